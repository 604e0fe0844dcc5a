// Piece buffers back from verification, reused: no allocation, GC or page faults per piece.
// They are shared memory, which the hash worker reads and writes to disk in place: handing it a
// piece is a small message, with no copy and no transfer (a transferred buffer comes back as a new
// ArrayBuffer, counted again as external memory, on every round trip).
export class PieceBuffers {
  private readonly pool: Buffer[] = [];

  /** `max` buffers of `pieceLength` bytes are kept (the last, short piece never is) */
  constructor(private readonly pieceLength: number, private readonly max: number) {}

  take(size: number): Buffer {
    return (size === this.pieceLength && this.pool.pop()) || Buffer.from(new SharedArrayBuffer(size));
  }

  give(buf: Buffer): void {
    if (buf.length === this.pieceLength && this.pool.length < this.max) this.pool.push(buf);
  }

  clear(): void {
    this.pool.length = 0;
  }
}
