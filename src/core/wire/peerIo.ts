// The bytes on one peer's socket (Transmission's peer-io): what is written in one tick leaves
// in one writev, and reading yields to the event loop after each burst.
import type { Socket } from 'node:net';

export interface PeerIoHandlers {
  /** `transient`: the bytes are in the shared read buffer and are overwritten once this returns (keep a copy) */
  data(chunk: Buffer, transient: boolean): void;
  /** the socket failed or the peer hung up */
  close(reason: string): void;
  /** the send buffer emptied */
  drain(): void;
}

/** The IP of an "ip:port" peer address (IPv6 keeps its colons): incoming peers' ports are ephemeral, their IP is not. */
export function hostOf(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

interface QueuedBlock {
  end: number;
  bytes: number;
  sent?: (bytes: number) => void;
}

/** one read takes up to this much of what the kernel holds for a socket */
const READ_BUFFER_BYTES = 256 * 1024;
let sharedReadBuffer: Buffer | undefined;

/**
 * Reads of a socket we dial go into one buffer shared by every such socket (Node's `onread`), and
 * are consumed before the next read: no allocation, page faults or stream machinery per read, and
 * up to 256 KiB per read instead of 64 KiB. Pass `options` to net.connect, then this to PeerIo.
 * (An accepted socket cannot be given `onread`; it reads through 'data' as before.)
 */
export class PooledReads {
  private sink: ((chunk: Buffer) => void) | undefined;
  /** read before PeerIo took over: kept as copies */
  private early: Buffer[] = [];
  readonly options = {
    buffer: (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)),
    callback: (n: number, buf: Buffer): boolean => {
      const chunk = buf.subarray(0, n);
      if (this.sink) this.sink(chunk);
      else this.early.push(Buffer.from(chunk));
      return true;
    },
  };

  /** From now on `sink` gets every read (the transient bytes); reads that came before go first. */
  drainTo(sink: (chunk: Buffer) => void, owned: (chunk: Buffer) => void): void {
    this.sink = sink;
    for (const c of this.early.splice(0)) owned(c);
  }
}

/** bytes read before letting the event loop breathe */
const BURST_BYTES = 512 * 1024;

export class PeerIo {
  /** "ip:port" of the peer, IPv4-mapped IPv6 shown as IPv4 */
  readonly address: string;
  private closed = false;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private corked = false;
  /** every byte given to write(): the stream offset after the last write */
  private written = 0;
  /** blocks whose write has not completed: their end in the stream, their payload */
  private readonly unsent: QueuedBlock[] = [];
  private payload = 0;
  /** the oldest queued block's write completed (callbacks come in order) */
  private readonly blockWritten = (err?: Error | null): void => {
    // after destroy, Node reports a write still in flight as done: destroy() settled those
    if (this.closed) return;
    const b = this.unsent.shift();
    if (b && !err) this.credit(b);
  };
  private burst = 0;
  private yielding = false;
  private readonly resumeReading = (): void => {
    this.burst = 0;
    this.yielding = false;
    if (!this.closed) this.socket.resume();
  };
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  constructor(private readonly socket: Socket, handlers: PeerIoHandlers, pooled?: PooledReads) {
    this.address = `${socket.remoteAddress?.replace(/^::ffff:/, '')}:${socket.remotePort}`;
    socket.setNoDelay(true);
    if (pooled) pooled.drainTo((c) => this.onData(c, handlers, true), (c) => this.onData(c, handlers, false));
    else socket.on('data', (c: Buffer) => this.onData(c, handlers, false));
    socket.on('error', (e) => handlers.close(`socket error: ${e.message}`));
    socket.on('close', () => handlers.close('connection closed by peer'));
    socket.on('end', () => handlers.close('connection ended by peer'));
    socket.on('drain', () => handlers.drain());
  }

  /** when bytes last arrived */
  get receivedAt(): number {
    return this.lastReceived;
  }

  /** when we last wrote */
  get sentAt(): number {
    return this.lastSent;
  }

  /** payload bytes of blocks the kernel took (not those still queued when the socket closed) */
  get payloadSent(): number {
    return this.payload;
  }

  /** bytes written but not yet taken by the kernel */
  get backlog(): number {
    return this.socket.writableLength;
  }

  private onData(chunk: Buffer, handlers: PeerIoHandlers, transient: boolean): void {
    if (this.closed) return;
    this.lastReceived = Date.now();
    // after a busy moment the kernel may hold megabytes for us; taking them all in one go
    // stalls the event loop (the editor's, in the extension host): yield every ~512 KiB
    this.burst += chunk.length;
    if (this.burst >= BURST_BYTES && !this.yielding) {
      this.yielding = true;
      this.socket.pause();
      setImmediate(this.resumeReading);
    }
    handlers.data(chunk, transient);
  }

  /**
   * Queues `buf`; false when the socket's buffer is full (wait for 'drain'). `done` runs once the
   * kernel took all of it (an error, or never, when the socket closes first).
   */
  write(buf: Buffer, done?: (err?: Error | null) => void): boolean {
    if (this.closed) return false;
    this.written += buf.length;
    this.lastSent = Date.now();
    // everything sent in one tick leaves in one writev: a block is a header and its data,
    // and requests go out in batches
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return this.socket.write(buf, done);
  }

  /**
   * Queues a block (its message header, then its bytes). Its payload counts as sent, and `sent`
   * hears of it, once the kernel took all of it.
   */
  writeBlock(header: Buffer, data: Buffer, sent?: (bytes: number) => void): boolean {
    if (this.closed) return false;
    this.write(header);
    this.unsent.push({ end: this.written + data.length, bytes: data.length, sent });
    return this.write(data, this.blockWritten);
  }

  private credit(b: QueuedBlock): void {
    this.payload += b.bytes;
    b.sent?.(b.bytes);
  }

  destroy(): void {
    if (this.closed) return;
    // a write in flight may have been taken in part: the blocks wholly within the kernel's part were sent
    // (Node counts a write as dispatched when it hands it to libuv, which still holds writeQueueSize of it)
    const s = this.socket as Socket & { _bytesDispatched?: number; _handle?: { writeQueueSize?: number } | null };
    const taken = s._handle ? (s._bytesDispatched ?? 0) - (s._handle.writeQueueSize ?? 0) : 0;
    for (const b of this.unsent) if (b.end <= taken) this.credit(b);
    this.unsent.length = 0;
    this.closed = true;
    this.socket.destroy();
  }
}
