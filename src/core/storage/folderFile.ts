// A multi-file torrent's complete files read as one run of bytes: a piece read becomes a read of each
// file it covers (torrentFiles.spansOf). Each file is opened only while peers read it (SeedFile), and
// each is checked after every read against how it was first seen: a file changed, grown, shrunk or
// replaced since makes stat() report a changed folder, so the FileGuard refuses the bytes read.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { spansOf, type TorrentFile } from '../torrentFiles';
import { SeedFile, type PositionalFile } from './seedFile';

/** A selective download's folder: only `files` exist; other files' bytes in the pieces we have are in the side file. */
export interface SideFile {
  files: Set<number>;
  /** the side file: sparse, the torrent's offsets */
  sidePath: string;
}

interface Seen {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** files held open at once: a folder of 10,000 files read in order must not hold 10,000 descriptors */
export const MAX_OPEN_FILES = 32;

export class FolderFile implements PositionalFile {
  /** open files, least recently used first */
  private readonly handles = new Map<number, SeedFile>();
  /** reads in flight per file: a busy file is never closed under a read */
  private readonly busy = new Map<number, number>();
  private readonly seen: (Seen | undefined)[];
  private sideFile: SeedFile | undefined;
  /** bumped when a file is found changed: stat()'s mtime, which the FileGuard compares */
  private changes = 0;

  /** Reads the files of a torrent, whose folder is `root`. */
  constructor(
    readonly root: string,
    private readonly files: readonly TorrentFile[],
    private readonly idleMs?: number,
    private readonly side?: SideFile,
  ) {
    this.seen = new Array(files.length);
  }

  /**
   * Notes every file as it is now (just written, or just hashed): one that differs at a later read is a
   * change. Throws if a file is not there at the torrent's size.
   */
  async noteAll(): Promise<void> {
    for (let i = 0; i < this.files.length; i++) {
      const { length } = this.files[i];
      if (length === 0 || (this.side && !this.side.files.has(i))) continue;
      const st = await fsp.stat(this.pathOf(i));
      if (st.size !== length) throw new Error(`${this.pathOf(i)} is ${st.size} bytes; the torrent says ${length}`);
      this.note(i, st);
    }
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    let at = offset;
    for (const span of spansOf(this.files, position, length)) {
      const i = span.file;
      const view = buffer.subarray(at, at + span.length);
      if (this.side && !this.side.files.has(i)) {
        await this.readSide(view, this.files[i].offset + span.fileOffset);
        at += span.length;
        continue;
      }
      this.busy.set(i, (this.busy.get(i) ?? 0) + 1);
      try {
        const file = this.fileAt(i);
        let got = 0;
        while (got < view.length) {
          const { bytesRead } = await file.read(view, got, view.length - got, span.fileOffset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got < view.length) {
          view.fill(0, got); // the file shrank: the bytes are never served, the check below marks the change
          this.changes++;
        }
        this.note(i, await file.stat());
      } finally {
        const left = this.busy.get(i)! - 1;
        if (left === 0) this.busy.delete(i);
        else this.busy.set(i, left);
      }
      at += span.length;
    }
    return { bytesRead: length };
  }

  write(): Promise<{ bytesWritten: number }> {
    return Promise.reject(new Error(`${this.root}: a complete torrent folder is served as it is; it is never written`));
  }

  /** The folder as one file: its total size, and a "time" that moves once any file is found changed. */
  async stat(): Promise<{ size: number; mtimeMs: number; ino: number }> {
    const last = this.files[this.files.length - 1];
    return { size: last.offset + last.length, mtimeMs: this.changes, ino: 0 };
  }

  /** Flushes every file (a finished download's, just written) to the disk itself, one at a time. */
  async datasync(): Promise<void> {
    for (let i = 0; i < this.files.length; i++) {
      if (this.side && !this.side.files.has(i)) continue;
      const fh = await fsp.open(this.pathOf(i), 'r');
      await fh.datasync().finally(() => fh.close());
    }
  }

  async close(): Promise<void> {
    const all = [...this.handles.values(), ...(this.sideFile ? [this.sideFile] : [])];
    this.handles.clear();
    await Promise.all(all.map((h) => h.close()));
  }

  /** Bytes of an unselected file (a piece straddling it is had): from the side file, never checked as a user's file. */
  private async readSide(view: Buffer, position: number): Promise<void> {
    const side = (this.sideFile ??= new SeedFile(this.side!.sidePath, this.idleMs));
    for (let got = 0; got < view.length; ) {
      const { bytesRead } = await side.read(view, got, view.length - got, position + got);
      if (bytesRead === 0) throw new Error(`${this.side!.sidePath} ended early at byte ${position + got}`);
      got += bytesRead;
    }
  }

  private pathOf(i: number): string {
    return path.join(this.root, ...this.files[i].path.split('/'));
  }

  /** File `i`, opened on demand; past MAX_OPEN_FILES the least recently used idle one is closed. */
  private fileAt(i: number): SeedFile {
    let file = this.handles.get(i);
    if (file) this.handles.delete(i); // re-inserted last: most recently used
    file ??= new SeedFile(this.pathOf(i), this.idleMs);
    this.handles.set(i, file);
    if (this.handles.size > MAX_OPEN_FILES) {
      for (const [j, old] of this.handles) {
        if (this.busy.has(j)) continue;
        this.handles.delete(j);
        void old.close();
        break;
      }
    }
    return file;
  }

  /** A file's first sight notes what it is; a later one that finds it different marks the folder changed. */
  private note(i: number, st: Seen): void {
    const was = this.seen[i];
    if (!was) {
      this.seen[i] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
      if (st.size !== this.files[i].length) this.changes++;
    } else if (was.size !== st.size || was.mtimeMs !== st.mtimeMs || was.ino !== st.ino) this.changes++;
  }
}
