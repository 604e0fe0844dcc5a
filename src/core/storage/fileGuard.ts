// A complete file served in place (a workspace file, a finished download) can change under us at any
// time: its size and mtime as hashed are kept, and every read for a peer is checked against them.
// A repository file is opened only while it is read (SeedFile): the first read also notes which
// file (inode) it is, so one renamed over it later is refused even with the same size and mtime.
import type { PositionalFile } from './seedFile';

/** What a file looked like when it was hashed. */
export interface FileState {
  size: number;
  /** fs.Stats.mtimeMs: sub-millisecond (from the nanoseconds) where the file system keeps them */
  mtimeMs: number;
}

/** The file changed since it was hashed: serving it would send bytes that fail the torrent's hashes. */
export class StaleFileError extends Error {
  override readonly name = 'StaleFileError';
}

export function sameState(a: FileState, b: FileState): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}

interface StatWaiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class FileGuard {
  private reason: string | undefined;
  private readonly listeners: ((reason: string) => void)[] = [];
  /** the file (inode) first read; undefined until then */
  private ino: number | undefined;
  /** reads done, waiting for an fstat issued after they were done */
  private waiting: StatWaiter[] = [];
  private statting = false;

  /** Guards `handle` as it was when hashed (`hashed`); nothing is read until a peer asks. */
  constructor(
    private readonly handle: Pick<PositionalFile, 'stat'>,
    private readonly hashed: FileState,
    private readonly label: string,
  ) {}

  /** Starts guarding from the file as it is now; a StaleFileError if it is no longer what was hashed. */
  static async open(handle: Pick<PositionalFile, 'stat'>, label: string, hashedAt?: FileState): Promise<FileGuard> {
    const st = await handle.stat();
    const now = { size: st.size, mtimeMs: st.mtimeMs };
    if (hashedAt && !sameState(now, hashedAt)) throw new StaleFileError(`${label} changed after it was hashed`);
    const guard = new FileGuard(handle, now, label);
    guard.ino = st.ino;
    return guard;
  }

  get stale(): boolean {
    return this.reason !== undefined;
  }

  /** `cb` hears once, when the file is first found changed. */
  whenStale(cb: (reason: string) => void): void {
    if (this.reason !== undefined) cb(this.reason);
    else this.listeners.push(cb);
  }

  /**
   * Bytes read by `read` only if the file is still as hashed once they are in hand. One fstat after
   * the read is enough: a write that lands before or during the read sets the mtime before its bytes
   * can be read, so any changed byte we hold shows as a changed size or mtime then. One fstat also
   * answers for every read that was done before it was issued: reads that finish together share one
   * (a seeder serving several peers reads many chunks at once).
   */
  async read(read: () => Promise<Buffer>): Promise<Buffer> {
    this.throwIfStale();
    let buf: Buffer;
    try {
      buf = await read();
      await new Promise<void>((resolve, reject) => {
        this.waiting.push({ resolve, reject });
        // issued once this turn's I/O callbacks ran: reads that came back together share it
        if (!this.statting) {
          this.statting = true;
          setImmediate(() => void this.statForWaiting());
        }
      });
    } catch (e) {
      // opened on demand: a file deleted or moved away since is as good as changed
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.markStale(`${this.label} is gone from disk; no longer served`);
      throw new StaleFileError(this.reason!);
    }
    this.throwIfStale();
    return buf;
  }

  /** fstats until no read waits: each fstat answers the reads that were done before it was issued. */
  private async statForWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const st = await this.handle.stat();
        this.ino ??= st.ino;
        if (!sameState({ size: st.size, mtimeMs: st.mtimeMs }, this.hashed) || st.ino !== this.ino) {
          this.markStale(`${this.label} changed on disk since it was hashed; no longer served`);
        }
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.statting = false;
  }

  private throwIfStale(): void {
    if (this.reason !== undefined) throw new StaleFileError(this.reason);
  }

  private markStale(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    for (const cb of this.listeners.splice(0)) cb(reason);
  }
}
