// A hand-driven peer over a loopback socket for wire and magnet tests: it writes whatever bytes a
// test gives it and records the handshake and every frame it receives, extension messages decoded.
import { connect, Socket } from 'node:net';
import { decode, encode } from '../../../../src/core/bencode';
import * as M from '../../../../src/core/wire/messages';
import { waitFor } from '../../../helpers/wait';

export interface Received {
  id: number;
  payload: Buffer;
}

/** one decoded extension message: its id byte, its leading dict, the bytes after that dict */
export interface ReceivedExtension {
  extId: number;
  dict: any;
  tail: Buffer;
}

export class RawPeer {
  handshake?: Buffer;
  readonly frames: Received[] = [];
  closed = false;
  /** called with each frame as it arrives (after it is recorded) */
  onFrame?: (f: Received) => void;
  /** called once the handshake arrived */
  onHandshake?: (h: Buffer) => void;
  private pending = Buffer.alloc(0);

  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawPeer(socket);
  }

  private onData(c: Buffer): void {
    this.pending = Buffer.concat([this.pending, c]);
    if (!this.handshake) {
      if (this.pending.length < M.HANDSHAKE_LENGTH) return;
      this.handshake = this.pending.subarray(0, M.HANDSHAKE_LENGTH);
      this.pending = this.pending.subarray(M.HANDSHAKE_LENGTH);
      this.onHandshake?.(this.handshake);
    }
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + len) break;
      const f = len > 0 ? { id: this.pending[4], payload: Buffer.from(this.pending.subarray(5, 4 + len)) } : undefined;
      this.pending = this.pending.subarray(4 + len);
      if (f) {
        this.frames.push(f);
        this.onFrame?.(f);
      }
    }
  }

  write(...bufs: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(bufs), () => undefined);
  }

  /** Extension messages received so far, decoded (the dict of a ut_metadata data message is followed by its bytes). */
  get extensions(): ReceivedExtension[] {
    return this.frames.filter((f) => f.id === M.Msg.Extended).map((f) => splitExtension(f.payload));
  }

  /** Polls `check` until it returns something (loopback answers come within milliseconds). */
  async until<T>(what: string, check: () => T, timeoutMs = 5000): Promise<NonNullable<T>> {
    return (await waitFor(what, check, timeoutMs, 5)) as NonNullable<T>;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An extension message's payload → id, dict, tail (the dict's end found by re-encoding it: tests send canonical dicts). */
export function splitExtension(payload: Buffer): ReceivedExtension {
  const body = payload.subarray(1);
  const dict = decodePrefix(body);
  const end = encode(dict).length;
  return { extId: payload[0], dict, tail: body.subarray(end) };
}

function decodePrefix(b: Buffer): any {
  // the shortest prefix that decodes strictly is the dict (a data message's bytes follow it)
  for (let end = 2; end <= b.length; end++) {
    if (b[end - 1] !== 0x65) continue;
    try {
      return decode(b.subarray(0, end));
    } catch {
      // not yet the end of the dict
    }
  }
  throw new Error(`no dict at the start of ${b.subarray(0, 32).toString('latin1')}`);
}

/** A message 20 with `extId` and the bencoded `dict` (or raw bytes), then `tail`. */
export function extMessage(extId: number, dict: unknown, tail: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.isBuffer(dict) ? dict : encode(dict);
  const b = Buffer.alloc(6);
  b.writeUInt32BE(2 + body.length + tail.length, 0);
  b[4] = M.Msg.Extended;
  b[5] = extId;
  return Buffer.concat([b, body, tail]);
}
