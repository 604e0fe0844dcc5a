// Seeding reads a stretch of a piece at a time and serves its blocks from memory: a peer
// asks for the blocks of a piece in a row, so one read replaces a read per 16 KiB block.
// The stretch is capped so that a peer fetching only part of a piece costs little reading.
// Memory comes from the engine's one budget, shared by every torrent.
// A piece we just downloaded and verified is lent to the cache in its own buffer: in a swarm the
// pieces others ask for are mostly those we just announced, and these need no read at all.
// Stretches read from disk go into buffers used again once nothing holds them (no allocation,
// zeroed pages or GC per read). A block being sent holds its buffer until the kernel took it.
import { BlockRequest, chunkKey, PieceGeometry, pieceSize } from '../pieces';
import { Lease } from './pieceBuffers';
import { BudgetedCache, CachedChunk, PieceCacheBudget } from './pieceCacheBudget';

const CHUNK = 256 * 1024;
/** read buffers kept for the next reads once nothing holds them */
const SPARE_BUFFERS = 16;

interface Chunk extends CachedChunk {
  /** the read from disk (none for a lent piece) */
  readonly promise?: Promise<Buffer>;
  /** the bytes once read, for serving without a promise per block */
  buf?: Buffer;
  /** its buffer: held while the chunk is cached, while it is read into, and while a block of it is being sent */
  readonly lease: Lease;
}

export class PieceCache implements BudgetedCache {
  private readonly chunks = new Map<number, Chunk>();
  private readonly chunkSize: number;
  /** the lease of each buffer, by its memory: what a block view must hold until sent */
  private readonly leases = new WeakMap<ArrayBufferLike, Lease>();
  /** read buffers nothing holds any more */
  private readonly spare: Buffer[] = [];
  private readonly reuse = (buf: Buffer): void => {
    if (this.spare.length < SPARE_BUFFERS) this.spare.push(buf);
  };
  used = false;
  idleSweeps = 0;

  constructor(
    private readonly meta: PieceGeometry,
    /** reads into `into` (`length` bytes) when given */
    private readonly read: (index: number, begin: number, length: number, into?: Buffer) => Promise<Buffer>,
    private readonly budget: PieceCacheBudget = new PieceCacheBudget(),
  ) {
    this.chunkSize = Math.min(CHUNK, meta.pieceLength);
  }

  /**
   * Serves piece `index`'s blocks from `lease.buf`, its verified bytes, until the budget wants the
   * memory back; each chunk holds the lease meanwhile.
   */
  lend(index: number, lease: Lease): void {
    const piece = lease.buf;
    lease.hold(); // not released in between, whatever the budget drops
    this.leases.set(piece.buffer, lease);
    for (let c = 0, begin = 0; begin < piece.length; c++, begin += this.chunkSize) {
      const key = chunkKey(index, c);
      if (this.chunks.has(key)) continue; // a peer's request read it from disk already
      const buf = piece.subarray(begin, Math.min(piece.length, begin + this.chunkSize));
      lease.hold();
      const chunk: Chunk = { key, bytes: buf.length, owner: this, buf, lease };
      this.chunks.set(key, chunk);
      this.idleSweeps = 0;
      this.budget.add(chunk);
    }
    lease.drop();
  }

  /** The lease a block view from peek() or block() holds (none for an unaligned read): drop it once the block is sent. */
  leaseOf(block: Buffer): Lease | undefined {
    return this.leases.get(block.buffer);
  }

  /** The block now if its chunk is in memory (the common case), else undefined. */
  peek(req: BlockRequest): Buffer | undefined {
    const c = Math.floor(req.begin / this.chunkSize);
    const chunk = this.chunks.get(chunkKey(req.index, c));
    const buf = chunk?.buf;
    if (!buf) return undefined;
    this.used = true;
    const at = req.begin - c * this.chunkSize;
    if (at + req.length > buf.length) return undefined;
    chunk.lease.hold();
    return buf.subarray(at, at + req.length);
  }

  /** The bytes of one requested block (a view of a cached chunk; do not modify). */
  async block(req: BlockRequest): Promise<Buffer> {
    this.used = true;
    const first = Math.floor(req.begin / this.chunkSize);
    const last = Math.floor((req.begin + req.length - 1) / this.chunkSize);
    if (first !== last) return this.read(req.index, req.begin, req.length); // unaligned request: read it as asked
    const chunk = this.chunk(req.index, first);
    chunk.lease.hold(); // now, before the budget can drop it
    let buf = chunk.buf;
    if (!buf) {
      try {
        buf = await chunk.promise!;
      } catch (e) {
        chunk.lease.drop();
        throw e;
      }
    }
    const at = req.begin - first * this.chunkSize;
    return buf.subarray(at, at + req.length);
  }

  private chunk(index: number, c: number): Chunk {
    const key = chunkKey(index, c);
    const cached = this.chunks.get(key);
    if (cached) {
      this.budget.touch(cached);
      return cached;
    }
    const begin = c * this.chunkSize;
    const length = Math.min(this.chunkSize, pieceSize(this.meta, index) - begin);
    const into = (length === this.chunkSize && this.spare.pop()) || Buffer.allocUnsafeSlow(length);
    const lease = new Lease(into, this.reuse);
    this.leases.set(into.buffer, lease);
    lease.hold(); // by the chunk
    lease.hold(); // by the read: never read into twice at once
    const promise = this.read(index, begin, length, into);
    const chunk: Chunk = { key, bytes: length, owner: this, promise, lease };
    promise.then(
      (buf) => this.chunks.get(key) === chunk && (chunk.buf = buf),
      () => this.chunks.get(key) === chunk && this.remove(chunk),
    ).finally(() => lease.drop());
    this.chunks.set(key, chunk);
    this.idleSweeps = 0;
    this.budget.add(chunk);
    return chunk;
  }

  /** The budget takes the chunk back (least recently used of all). */
  drop(chunk: CachedChunk): void {
    if (this.chunks.get(chunk.key) === chunk) {
      this.chunks.delete(chunk.key);
      (chunk as Chunk).lease.drop();
    }
    if (this.chunks.size === 0) this.budget.forget(this);
  }

  private remove(chunk: Chunk): void {
    this.drop(chunk);
    this.budget.remove(chunk);
  }

  clear(): void {
    for (const chunk of this.chunks.values()) {
      this.budget.remove(chunk);
      chunk.lease.drop();
    }
    this.chunks.clear();
    this.spare.length = 0;
    this.budget.forget(this);
  }
}
