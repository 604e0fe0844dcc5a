// Seeding reads a stretch of a piece at a time and serves its blocks from memory: a peer
// asks for the blocks of a piece in a row, so one read replaces a read per 16 KiB block.
// The stretch is capped so that a peer fetching only part of a piece costs little reading.
import { BlockRequest, chunkKey, PieceGeometry, pieceSize } from '../pieces';

const CHUNK = 256 * 1024;

export class PieceCache {
  private readonly chunks = new Map<number, Promise<Buffer>>();
  /** chunks already read, for serving without a promise per block */
  private readonly ready = new Map<number, Buffer>();
  private readonly chunkSize: number;

  constructor(
    private readonly meta: PieceGeometry,
    private readonly read: (index: number, begin: number, length: number) => Promise<Buffer>,
    private readonly maxChunks = 64,
  ) {
    this.chunkSize = Math.min(CHUNK, meta.pieceLength);
  }

  /** The block now if its chunk is in memory (the common case), else undefined. */
  peek(req: BlockRequest): Buffer | undefined {
    const c = Math.floor(req.begin / this.chunkSize);
    const chunk = this.ready.get(chunkKey(req.index, c));
    if (!chunk) return undefined;
    const at = req.begin - c * this.chunkSize;
    return at + req.length <= chunk.length ? chunk.subarray(at, at + req.length) : undefined;
  }

  /** The bytes of one requested block (a view of a cached chunk; do not modify). */
  async block(req: BlockRequest): Promise<Buffer> {
    const first = Math.floor(req.begin / this.chunkSize);
    const last = Math.floor((req.begin + req.length - 1) / this.chunkSize);
    if (first !== last) return this.read(req.index, req.begin, req.length); // unaligned request: read it as asked
    const chunk = await this.chunk(req.index, first);
    const at = req.begin - first * this.chunkSize;
    return chunk.subarray(at, at + req.length);
  }

  private chunk(index: number, c: number): Promise<Buffer> {
    const key = chunkKey(index, c);
    let p = this.chunks.get(key);
    if (p) {
      // refresh its place in the LRU order
      this.chunks.delete(key);
      this.chunks.set(key, p);
      return p;
    }
    const begin = c * this.chunkSize;
    p = this.read(index, begin, Math.min(this.chunkSize, pieceSize(this.meta, index) - begin));
    p.then(
      (buf) => this.chunks.get(key) === p && this.ready.set(key, buf),
      () => this.chunks.delete(key),
    );
    this.chunks.set(key, p);
    if (this.chunks.size > this.maxChunks) {
      const [oldest] = this.chunks.keys();
      this.chunks.delete(oldest);
      this.ready.delete(oldest);
    }
    return p;
  }

  clear(): void {
    this.chunks.clear();
    this.ready.clear();
  }
}
