// Seeding reads whole pieces and serves their blocks from memory: a peer asks for every
// block of a piece in a row, so one read replaces a read per 16 KiB block.
export class PieceCache {
  private readonly pieces = new Map<number, Promise<Buffer>>();

  constructor(private readonly read: (index: number) => Promise<Buffer>, private readonly maxPieces = 16) {}

  get(index: number): Promise<Buffer> {
    let p = this.pieces.get(index);
    if (p) {
      // refresh its place in the LRU order
      this.pieces.delete(index);
      this.pieces.set(index, p);
      return p;
    }
    p = this.read(index);
    p.catch(() => this.pieces.delete(index));
    this.pieces.set(index, p);
    if (this.pieces.size > this.maxPieces) this.pieces.delete(this.pieces.keys().next().value!);
    return p;
  }

  clear(): void {
    this.pieces.clear();
  }
}
