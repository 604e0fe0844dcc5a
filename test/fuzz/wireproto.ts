// The bits of BEP 3 the fuzzer speaks itself (independently of src/): message builders and
// a reader that checks what a live seeder sends back.

export const PSTR = Buffer.from('\x13BitTorrent protocol', 'latin1');
export const BLOCK = 16 * 1024;

export interface Geometry {
  length: number;
  pieceLength: number;
  pieceCount: number;
}

export const pieceBytes = (g: Geometry, index: number): number => (index === g.pieceCount - 1 ? g.length - g.pieceLength * (g.pieceCount - 1) : g.pieceLength);

export function handshake(infoHash: Buffer, peerId: Buffer, reserved: Buffer = Buffer.alloc(8)): Buffer {
  return Buffer.concat([PSTR, reserved, infoHash, peerId]);
}

export function frame(id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.allocUnsafe(5 + payload.length);
  b.writeUInt32BE(1 + payload.length, 0);
  b[4] = id;
  payload.copy(b, 5);
  return b;
}

export const KEEPALIVE = Buffer.alloc(4);

export function u32s(...vals: number[]): Buffer {
  const b = Buffer.allocUnsafe(4 * vals.length);
  vals.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

export const request = (index: number, begin: number, length: number): Buffer => frame(6, u32s(index, begin, length));

export function peerId(rng: { bytes(n: number): Buffer }): Buffer {
  return Buffer.concat([Buffer.from('-FZ0001-'), rng.bytes(12)]);
}

/** Full bitfield payload for a seeder of `g` (spare bits zero). */
export function fullBitfield(g: Geometry): Buffer {
  const b = Buffer.alloc(Math.ceil(g.pieceCount / 8), 0xff);
  const spare = b.length * 8 - g.pieceCount;
  if (spare > 0) b[b.length - 1] = (0xff << spare) & 0xff;
  return b;
}

export interface InFrame {
  id: number; // -1 keep-alive
  payload: Buffer;
}

/**
 * Reads what a seeder sends: its handshake, then frames. Flags anything a correct peer would not
 * send (a frame longer than a block message, an unknown id). Bytes are kept only until a frame
 * is complete; piece payloads are checked by the caller.
 */
export class PeerReader {
  private buf: Buffer = Buffer.alloc(0);
  handshake?: Buffer;
  error?: string;
  bytes = 0;

  constructor(private readonly maxFrame: number) {}

  push(chunk: Buffer, onFrame: (f: InFrame) => void): void {
    if (this.error) return;
    this.bytes += chunk.length;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (!this.handshake) {
      if (this.buf.length < 68) return;
      this.handshake = this.buf.subarray(0, 68);
      this.buf = this.buf.subarray(68);
      if (!this.handshake.subarray(0, 20).equals(PSTR)) return void (this.error = 'seeder handshake does not start with the BitTorrent protocol string');
    }
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > this.maxFrame) return void (this.error = `seeder sent a frame of ${len} bytes`);
      if (this.buf.length < 4 + len) return;
      const f = len === 0 ? { id: -1, payload: Buffer.alloc(0) } : { id: this.buf[4], payload: this.buf.subarray(5, 4 + len) };
      this.buf = this.buf.subarray(4 + len);
      if (f.id > 9 && f.id !== 20) return void (this.error = `seeder sent unknown message id ${f.id}`);
      onFrame(f);
    }
  }
}
