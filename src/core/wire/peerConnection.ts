// One BitTorrent conversation with one peer over one socket: handshake, the four
// choke/interest flags, the peer's have-set, our outstanding requests and theirs.
// Swarm-level decisions (what to request, whom to unchoke) live in the session.
import type { Socket } from 'node:net';
import { Bitfield } from '../bitfield';
import { TypedEmitter } from '../events';
import { FrameParser, ProtocolError } from './frameParser';
import * as M from './messages';

export interface BlockRequest {
  index: number;
  begin: number;
  length: number;
}

export type PeerEvents = {
  /** handshake done; for incoming connections the session attaches here */
  ready: [];
  /** the peer's whole have-set, replacing `previous` */
  bitfield: [previous: Bitfield];
  have: [index: number];
  choke: [];
  unchoke: [];
  interested: [];
  notInterested: [];
  request: [req: BlockRequest];
  cancel: [req: BlockRequest];
  /** a requested block: `data` is one Buffer or, when it spanned socket reads, its parts in order */
  block: [index: number, begin: number, data: Buffer | Buffer[], length: number];
  /** our requests the peer dropped (it choked us): the session re-queues them */
  dropped: [reqs: BlockRequest[]];
  close: [reason: string];
};

export interface PeerConnectionOptions {
  ourPeerId: Buffer;
  /** outgoing: the torrent we want; incoming: undefined until the peer names one */
  infoHash?: Buffer;
  /** incoming: which torrents we serve (info-hash → piece count); undefined refuses it */
  resolve?: (infoHash: Buffer) => number | undefined;
  pieceCount?: number;
  handshakeTimeoutMs?: number;
  /** a peer silent this long is dead */
  idleTimeoutMs?: number;
  maxIncomingRequests?: number;
}

const BURST_BYTES = 512 * 1024;

export const blockKey = (index: number, begin: number): number => index * 8192 + begin / M.BLOCK_SIZE;

export class PeerConnection extends TypedEmitter<PeerEvents> {
  readonly address: string;
  readonly outgoing: boolean;
  infoHash?: Buffer;
  peerId?: Buffer;
  have?: Bitfield;
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  closed = false;
  closeReason = '';
  /** payload bytes, for rates and accounting */
  downloaded = 0;
  uploaded = 0;
  lastBlockAt = Date.now();
  readonly connectedAt = Date.now();
  /** our requests in flight, by blockKey */
  readonly requests = new Map<number, BlockRequest & { sentAt: number }>();
  /** the peer's requests waiting to be served */
  readonly incoming: BlockRequest[] = [];

  private readonly parser = new FrameParser();
  private readonly opts: PeerConnectionOptions;
  private handshaken = false;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private timer?: NodeJS.Timeout;
  private handshakeTimer?: NodeJS.Timeout;
  private lastFrameAt = Date.now();
  private pieceCount = 0;
  private readonly recentlyCancelled = new Set<number>();
  private corked = false;
  private burst = 0;
  private yielding = false;
  private readonly resumeReading = (): void => {
    this.burst = 0;
    this.yielding = false;
    if (!this.closed) this.socket.resume();
  };

  constructor(readonly socket: Socket, opts: PeerConnectionOptions & { outgoing: boolean }) {
    super();
    this.opts = opts;
    this.outgoing = opts.outgoing;
    this.infoHash = opts.infoHash;
    this.address = `${socket.remoteAddress?.replace(/^::ffff:/, '')}:${socket.remotePort}`;
    this.parser.gatherBlocks = true;
    if (opts.pieceCount) this.setPieceCount(opts.pieceCount);
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', (e) => this.close(`socket error: ${e.message}`));
    socket.on('close', () => this.close('connection closed by peer'));
    socket.on('end', () => this.close('connection ended by peer'));
    if (this.outgoing && this.infoHash) this.send(M.handshake(this.infoHash, opts.ourPeerId));
    this.handshakeTimer = setTimeout(() => this.close('handshake timed out'), opts.handshakeTimeoutMs ?? 15_000);
    this.handshakeTimer.unref();
    this.timer = setInterval(() => this.tick(), 5_000);
    this.timer.unref();
  }

  get ready(): boolean {
    return this.handshaken && !this.closed;
  }

  private setPieceCount(n: number): void {
    this.pieceCount = n;
    this.parser.pieceCount = n;
    this.have = new Bitfield(n);
  }

  private tick(): void {
    const now = Date.now();
    const idle = this.opts.idleTimeoutMs ?? 150_000;
    if (now - this.lastReceived > idle) return this.close('peer silent for too long');
    // a message trickled a byte at a time would otherwise hold the connection forever
    if (this.parser.bufferedBytes > 0 && now - this.lastFrameAt > idle) return this.close('message trickled too slowly');
    // keep-alive after a minute of silence on our side, never more often
    if (this.handshaken && now - this.lastSent > 60_000) this.send(M.KEEP_ALIVE);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceived = Date.now();
    this.parser.push(chunk);
    // after a busy moment the kernel may hold megabytes for us; taking them all in one go
    // stalls the event loop (the editor's, in the extension host): yield every ~512 KiB
    this.burst += chunk.length;
    if (this.burst >= BURST_BYTES && !this.yielding) {
      this.yielding = true;
      this.socket.pause();
      setImmediate(this.resumeReading);
    }
    try {
      if (!this.handshaken && !this.readHandshake()) return;
      for (let f = this.parser.next(); f && !this.closed; f = this.parser.next()) {
        this.lastFrameAt = this.lastReceived;
        if (f.block) this.onBlock(f.payload, f.block);
        else this.onFrame(f.id, f.payload);
      }
    } catch (e) {
      this.close(e instanceof ProtocolError ? e.message : `internal error: ${(e as Error).message}`);
    }
  }

  private readHandshake(): boolean {
    const h = this.parser.readHandshake();
    if (!h) return false;
    if (this.infoHash) {
      if (!h.infoHash.equals(this.infoHash)) throw new ProtocolError('handshake for another torrent');
    } else {
      const count = this.opts.resolve?.(h.infoHash);
      if (count === undefined) throw new ProtocolError(`handshake for unknown torrent ${h.infoHash.toString('hex')}`);
      this.infoHash = Buffer.from(h.infoHash);
      this.setPieceCount(count);
    }
    if (h.peerId.equals(this.opts.ourPeerId)) throw new ProtocolError('connected to ourselves');
    this.peerId = Buffer.from(h.peerId);
    if (!this.outgoing) this.send(M.handshake(this.infoHash!, this.opts.ourPeerId));
    this.handshaken = true;
    clearTimeout(this.handshakeTimer);
    this.emit('ready');
    return true;
  }

  private onFrame(id: number, p: Buffer): void {
    switch (id) {
      case -1:
        return;
      case M.Msg.Choke:
        if (this.peerChoking) return;
        this.peerChoking = true;
        this.dropRequests();
        return this.emit('choke');
      case M.Msg.Unchoke:
        if (!this.peerChoking) return;
        this.peerChoking = false;
        return this.emit('unchoke');
      case M.Msg.Interested:
        if (this.peerInterested) return;
        this.peerInterested = true;
        return this.emit('interested');
      case M.Msg.NotInterested:
        if (!this.peerInterested) return;
        this.peerInterested = false;
        return this.emit('notInterested');
      case M.Msg.Have: {
        const i = p.readUInt32BE(0);
        if (i >= this.pieceCount) throw new ProtocolError(`have ${i} beyond the ${this.pieceCount} pieces`);
        if (this.have!.set(i)) this.emit('have', i);
        return;
      }
      case M.Msg.Bitfield: {
        if (!Bitfield.isValid(p, this.pieceCount)) throw new ProtocolError('bitfield has spare bits set');
        // a late bitfield of the right size (aria2 sends one) replaces the have-set
        const previous = this.have!;
        this.have = new Bitfield(this.pieceCount, p);
        return this.emit('bitfield', previous);
      }
      case M.Msg.Request:
      case M.Msg.Cancel: {
        const req = { index: p.readUInt32BE(0), begin: p.readUInt32BE(4), length: p.readUInt32BE(8) };
        if (id === M.Msg.Cancel) {
          const at = this.incoming.findIndex((r) => r.index === req.index && r.begin === req.begin && r.length === req.length);
          if (at >= 0) this.incoming.splice(at, 1);
          return this.emit('cancel', req);
        }
        if (req.length === 0 || req.length > M.BLOCK_SIZE) throw new ProtocolError(`request of ${req.length} bytes (at most ${M.BLOCK_SIZE})`);
        if (req.index >= this.pieceCount) throw new ProtocolError(`request for piece ${req.index} of ${this.pieceCount}`);
        if (this.amChoking) return; // BEP 3: requests while choked are ignored
        if (this.incoming.length >= (this.opts.maxIncomingRequests ?? 2000)) throw new ProtocolError('too many outstanding requests');
        this.incoming.push(req);
        return this.emit('request', req);
      }
      case M.Msg.Piece:
        return this.onBlock(p, p.subarray(8));
      case M.Msg.Port:
        return; // DHT port: we run no DHT
    }
  }

  private onBlock(header: Buffer, data: Buffer | Buffer[]): void {
    const index = header.readUInt32BE(0);
    const begin = header.readUInt32BE(4);
    let length = 0;
    if (Buffer.isBuffer(data)) length = data.length;
    else for (const part of data) length += part.length;
    const key = begin % M.BLOCK_SIZE === 0 ? blockKey(index, begin) : -1;
    const req = this.requests.get(key);
    if (!req || req.index !== index || req.begin !== begin || req.length !== length) {
      if (this.recentlyCancelled.has(key)) return; // crossed our cancel or choke on the wire
      throw new ProtocolError(`unsolicited block ${index}:${begin}+${length}`);
    }
    this.requests.delete(key);
    this.downloaded += length;
    this.lastBlockAt = Date.now();
    this.emit('block', index, begin, data, length);
  }

  private dropRequests(): void {
    if (this.requests.size === 0) return;
    const reqs = [...this.requests.values()];
    for (const k of this.requests.keys()) this.rememberCancelled(k);
    this.requests.clear();
    this.emit('dropped', reqs);
  }

  private rememberCancelled(key: number): void {
    this.recentlyCancelled.add(key);
    if (this.recentlyCancelled.size > 4096) this.recentlyCancelled.delete(this.recentlyCancelled.values().next().value!);
  }

  // ---- sending ----

  private send(buf: Buffer): boolean {
    if (this.closed) return false;
    this.lastSent = Date.now();
    // everything sent in one tick leaves in one writev: a block is a header and its data,
    // and requests go out in batches
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return this.socket.write(buf);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  sendBitfield(bits: Bitfield): void {
    if (bits.count > 0) this.send(M.bitfield(bits.buffer));
  }

  sendHave(index: number): void {
    this.send(M.have(index));
  }

  choke(): void {
    if (this.amChoking) return;
    this.amChoking = true;
    this.incoming.length = 0; // BEP 3: a choke discards their pending requests
    this.send(M.CHOKE);
  }

  unchoke(): void {
    if (!this.amChoking) return;
    this.amChoking = false;
    this.send(M.UNCHOKE);
  }

  interested(want: boolean): void {
    if (this.amInterested === want) return;
    this.amInterested = want;
    this.send(want ? M.INTERESTED : M.NOT_INTERESTED);
  }

  request(index: number, begin: number, length: number): void {
    this.requestMany([{ index, begin, length }]);
  }

  /** Several requests in one buffer: one allocation and one write for the batch. */
  requestMany(reqs: BlockRequest[]): void {
    if (reqs.length === 0) return;
    const now = Date.now();
    const buf = Buffer.allocUnsafe(17 * reqs.length);
    reqs.forEach((r, i) => {
      this.requests.set(blockKey(r.index, r.begin), { index: r.index, begin: r.begin, length: r.length, sentAt: now });
      M.writeRequest(buf, i * 17, r.index, r.begin, r.length);
    });
    this.send(buf);
  }

  cancel(index: number, begin: number, length: number): void {
    const key = blockKey(index, begin);
    if (!this.requests.delete(key)) return;
    this.rememberCancelled(key);
    this.send(M.cancel(index, begin, length));
  }

  /** Serves a block; false when the socket's buffer is full (wait for 'drain'). */
  sendBlock(index: number, begin: number, data: Buffer): boolean {
    if (this.closed) return false;
    this.uploaded += data.length;
    this.send(M.pieceHeader(index, begin, data.length));
    return this.send(data);
  }

  get writeBacklog(): number {
    return this.socket.writableLength;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.handshakeTimer);
    this.socket.destroy();
    const dropped = [...this.requests.values()];
    this.requests.clear();
    if (dropped.length > 0) this.emit('dropped', dropped);
    this.emit('close', reason);
  }
}
