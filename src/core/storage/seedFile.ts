// A complete file served in place, open only while peers read it. A workspace seeds thousands of
// files and most are never asked for: a descriptor held for each would cost kernel memory for
// nothing and run into the process's limit (8,192 CRT descriptors on Windows, 10,240 on macOS).
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** The positional file operations a piece store uses: a FileHandle, or a SeedFile. */
export interface PositionalFile {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  stat(): Promise<{ size: number; mtimeMs: number; ino: number }>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

/** a seeded file nobody read for this long gives its descriptor back */
export const SEED_FILE_IDLE_MS = 30_000;

export class SeedFile implements PositionalFile {
  private handle: Promise<FileHandle> | undefined;
  private inUse = 0;
  private lastUse = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(readonly path: string, private readonly idleMs = SEED_FILE_IDLE_MS) {}

  /** whether a descriptor is held now */
  get open(): boolean {
    return this.handle !== undefined;
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return this.use((h) => h.read(buffer, offset, length, position));
  }

  stat(): Promise<{ size: number; mtimeMs: number; ino: number }> {
    return this.use((h) => h.stat());
  }

  write(): Promise<{ bytesWritten: number }> {
    return Promise.reject(new Error(`${this.path} is served as it is; it is never written`));
  }

  datasync(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.release();
  }

  private async use<T>(op: (h: FileHandle) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error(`${this.path}: store is closed`);
    this.inUse++;
    try {
      const opening = (this.handle ??= fsp.open(this.path, 'r'));
      // a failed open (the file went away) is not remembered: the next read tries again
      opening.catch(() => this.handle === opening && (this.handle = undefined));
      return await op(await opening);
    } finally {
      this.inUse--;
      this.lastUse = Date.now();
      this.scheduleRelease();
    }
  }

  /** One timer while open: when it fires, a file unused for idleMs is closed, else it looks again later. */
  private scheduleRelease(): void {
    if (this.timer || this.closed || !this.handle) return;
    const check = () => {
      this.timer = undefined;
      const idle = Date.now() - this.lastUse;
      if (this.inUse > 0 || idle < this.idleMs) {
        this.timer = setTimeout(check, Math.max(this.idleMs - idle, 10));
        this.timer.unref();
      } else void this.release();
    };
    this.timer = setTimeout(check, this.idleMs);
    this.timer.unref();
  }

  private async release(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.then((fh) => fh.close()).catch(() => undefined);
  }
}
