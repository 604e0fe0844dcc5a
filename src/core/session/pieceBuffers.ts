// Piece buffers back from verification, reused: no allocation, GC or page faults per piece.
export class PieceBuffers {
  private readonly pool: Buffer[] = [];

  /** `max` buffers of `pieceLength` bytes are kept (the last, short piece never is) */
  constructor(private readonly pieceLength: number, private readonly max: number) {}

  take(size: number): Buffer {
    return (size === this.pieceLength && this.pool.pop()) || Buffer.allocUnsafeSlow(size);
  }

  give(buf: Buffer): void {
    if (buf.length === this.pieceLength && this.pool.length < this.max) this.pool.push(buf);
  }

  clear(): void {
    this.pool.length = 0;
  }
}
