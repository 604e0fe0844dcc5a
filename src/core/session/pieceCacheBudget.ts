// One memory budget for the piece caches of every torrent an engine serves: the least recently
// used stretch goes first, whichever file it belongs to, and a file nobody reads for a while
// gives all of its memory back. A workspace may seed thousands of files; the cache stays one size.

/** what all seeded files together may keep in memory (the old per-file cap was 16 MiB each) */
export const DEFAULT_PIECE_CACHE_BUDGET = 32 * 1024 * 1024;
/** a file unread this long holds no cache */
export const DEFAULT_PIECE_CACHE_IDLE_MS = 30_000;

/** One cached stretch of a piece. */
export interface CachedChunk {
  readonly key: number;
  readonly bytes: number;
  readonly owner: BudgetedCache;
}

/** What the budget needs of a cache: drop one chunk, drop all, and whether it was read lately. */
export interface BudgetedCache {
  /** set by the cache on every read; cleared by the budget's idle sweep */
  used: boolean;
  /** idle sweeps in a row that found it unused */
  idleSweeps: number;
  drop(chunk: CachedChunk): void;
  clear(): void;
}

export class PieceCacheBudget {
  /** every cached chunk, least recently used first (a Set keeps insertion order) */
  private readonly lru = new Set<CachedChunk>();
  private readonly caches = new Set<BudgetedCache>();
  private total = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly maxBytes = DEFAULT_PIECE_CACHE_BUDGET, private readonly idleMs = DEFAULT_PIECE_CACHE_IDLE_MS) {}

  /** bytes cached (or being read into the cache) across all torrents */
  get bytes(): number {
    return this.total;
  }

  /** A new chunk: the oldest anywhere go until the total fits (the new one too, if the budget is that small). */
  add(chunk: CachedChunk): void {
    this.lru.add(chunk);
    this.caches.add(chunk.owner);
    this.total += chunk.bytes;
    while (this.total > this.maxBytes) {
      const [oldest] = this.lru;
      oldest.owner.drop(oldest);
      this.remove(oldest);
    }
    if (!this.timer && this.total > 0) {
      // two sweeps in a row without a read: freed between idleMs and 1.5 × idleMs after the last one
      this.timer = setInterval(() => this.sweep(), this.idleMs / 2);
      this.timer.unref();
    }
  }

  /** The chunk was used again: it becomes the most recent. */
  touch(chunk: CachedChunk): void {
    if (this.lru.delete(chunk)) this.lru.add(chunk);
  }

  /** The cache let go of the chunk. */
  remove(chunk: CachedChunk): void {
    if (!this.lru.delete(chunk)) return;
    this.total -= chunk.bytes;
    if (this.lru.size === 0) this.stopSweeping();
  }

  /** The cache holds nothing now (cleared, or its torrent stopped). */
  forget(cache: BudgetedCache): void {
    this.caches.delete(cache);
  }

  private sweep(): void {
    for (const cache of [...this.caches]) {
      if (cache.used) {
        cache.used = false;
        cache.idleSweeps = 0;
      } else if (++cache.idleSweeps >= 2) {
        cache.clear();
      }
    }
  }

  private stopSweeping(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
