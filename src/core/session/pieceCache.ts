// Seeding reads a stretch of a piece at a time and serves its blocks from memory: a peer
// asks for the blocks of a piece in a row, so one read replaces a read per 16 KiB block.
// The stretch is capped so that a peer fetching only part of a piece costs little reading.
// Memory comes from the engine's one budget, shared by every torrent.
import { BlockRequest, chunkKey, PieceGeometry, pieceSize } from '../pieces';
import { BudgetedCache, CachedChunk, PieceCacheBudget } from './pieceCacheBudget';

const CHUNK = 256 * 1024;

interface Chunk extends CachedChunk {
  readonly promise: Promise<Buffer>;
  /** the bytes once read, for serving without a promise per block */
  buf?: Buffer;
}

export class PieceCache implements BudgetedCache {
  private readonly chunks = new Map<number, Chunk>();
  private readonly chunkSize: number;
  used = false;
  idleSweeps = 0;

  constructor(
    private readonly meta: PieceGeometry,
    private readonly read: (index: number, begin: number, length: number) => Promise<Buffer>,
    private readonly budget: PieceCacheBudget = new PieceCacheBudget(),
  ) {
    this.chunkSize = Math.min(CHUNK, meta.pieceLength);
  }

  /** The block now if its chunk is in memory (the common case), else undefined. */
  peek(req: BlockRequest): Buffer | undefined {
    const c = Math.floor(req.begin / this.chunkSize);
    const chunk = this.chunks.get(chunkKey(req.index, c))?.buf;
    if (!chunk) return undefined;
    this.used = true;
    const at = req.begin - c * this.chunkSize;
    return at + req.length <= chunk.length ? chunk.subarray(at, at + req.length) : undefined;
  }

  /** The bytes of one requested block (a view of a cached chunk; do not modify). */
  async block(req: BlockRequest): Promise<Buffer> {
    this.used = true;
    const first = Math.floor(req.begin / this.chunkSize);
    const last = Math.floor((req.begin + req.length - 1) / this.chunkSize);
    if (first !== last) return this.read(req.index, req.begin, req.length); // unaligned request: read it as asked
    const chunk = await this.chunk(req.index, first);
    const at = req.begin - first * this.chunkSize;
    return chunk.subarray(at, at + req.length);
  }

  private chunk(index: number, c: number): Promise<Buffer> {
    const key = chunkKey(index, c);
    const cached = this.chunks.get(key);
    if (cached) {
      this.budget.touch(cached);
      return cached.promise;
    }
    const begin = c * this.chunkSize;
    const length = Math.min(this.chunkSize, pieceSize(this.meta, index) - begin);
    const chunk: Chunk = { key, bytes: length, owner: this, promise: this.read(index, begin, length) };
    chunk.promise.then(
      (buf) => this.chunks.get(key) === chunk && (chunk.buf = buf),
      () => this.chunks.get(key) === chunk && this.remove(chunk),
    );
    this.chunks.set(key, chunk);
    this.idleSweeps = 0;
    this.budget.add(chunk);
    return chunk.promise;
  }

  /** The budget takes the chunk back (least recently used of all). */
  drop(chunk: CachedChunk): void {
    if (this.chunks.get(chunk.key) === chunk) this.chunks.delete(chunk.key);
    if (this.chunks.size === 0) this.budget.forget(this);
  }

  private remove(chunk: Chunk): void {
    this.drop(chunk);
    this.budget.remove(chunk);
  }

  clear(): void {
    for (const chunk of this.chunks.values()) this.budget.remove(chunk);
    this.chunks.clear();
    this.budget.forget(this);
  }
}
