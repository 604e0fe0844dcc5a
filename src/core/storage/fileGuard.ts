// A complete file served in place (a workspace file, a finished download) can change under us at any
// time: its size and mtime as hashed are kept, and every read for a peer is checked against them.
import type { FileHandle } from 'node:fs/promises';

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

export class FileGuard {
  private reason: string | undefined;
  private readonly listeners: ((reason: string) => void)[] = [];

  constructor(
    private readonly handle: FileHandle,
    private readonly hashed: FileState,
    private readonly label: string,
  ) {}

  /** Starts guarding from the file as it is now; a StaleFileError if it is no longer what was hashed. */
  static async open(handle: FileHandle, label: string, hashedAt?: FileState): Promise<FileGuard> {
    const st = await handle.stat();
    const now = { size: st.size, mtimeMs: st.mtimeMs };
    if (hashedAt && !sameState(now, hashedAt)) throw new StaleFileError(`${label} changed after it was hashed`);
    return new FileGuard(handle, now, label);
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
   * can be read, so any changed byte we hold shows as a changed size or mtime here.
   */
  async read(read: () => Promise<Buffer>): Promise<Buffer> {
    this.throwIfStale();
    const buf = await read();
    const st = await this.handle.stat();
    if (!sameState({ size: st.size, mtimeMs: st.mtimeMs }, this.hashed)) {
      this.markStale(`${this.label} changed on disk since it was hashed; no longer served`);
    }
    this.throwIfStale();
    return buf;
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
