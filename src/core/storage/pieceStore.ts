// One torrent's data on disk: verified pieces written into a partial file under `.sta/`, renamed to
// the final name when complete; resume data so a restart (or a crash) never re-fetches work.
import { constants as C, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Bitfield } from '../bitfield';
import { silentLogger, type Logger } from '../log';
import { pieceSize, type Metainfo } from '../metainfo';
import { Hasher } from './hasher';
import { checkPieces, readFull, writeFull } from './recheck';
import { readResume, writeResume, type ResumeData } from './resume';
import { PathError, resolveInside, withSuffix } from './safePath';

export class ExistingFileError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists and differs from the file being downloaded; STA will not overwrite it`);
    this.name = 'ExistingFileError';
  }
}

export interface PieceStoreOptions {
  dir: string;
  meta: Metainfo;
  /** a different file already at the target: throw ExistingFileError (default) or write beside it as "name (1).ext" */
  onExisting?: 'refuse' | 'suffix';
  hasher?: Hasher;
  logger?: Logger;
  onCheckProgress?: (checkedBytes: number, total: number) => void;
}

export interface SeedOptions {
  hasher?: Hasher;
  logger?: Logger;
  /** false trusts the file (e.g. just hashed by createTorrent); default true */
  verify?: boolean;
  onCheckProgress?: (checkedBytes: number, total: number) => void;
}

interface StoreState {
  file: FileHandle;
  target: string;
  mode: 'part' | 'final';
  have: Bitfield;
}

const SAVE_EVERY_MS = 500;
const MAX_SUFFIX = 999;
const STA_DIR = '.sta';
const isErr = (e: unknown, code: string) => (e as NodeJS.ErrnoException)?.code === code;

export class PieceStore {
  readonly have: Bitfield;
  private file: FileHandle | undefined;
  private target: string;
  /** 'part': writing the partial file; 'final': reading a complete file at `finalPath` */
  private mode: 'part' | 'final';
  private readonly inflight = new Map<number, Promise<boolean>>();
  private pending = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly meta: Metainfo,
    private readonly dir: string, // real path; '' for a seed of a file the user chose
    private readonly hasher: Hasher,
    private readonly ownsHasher: boolean,
    private readonly log: Logger,
    init: StoreState,
  ) {
    this.file = init.file;
    this.target = init.target;
    this.mode = init.mode;
    this.have = init.have;
  }

  /** Downloads (or resumes downloading) `meta` into `opts.dir`. */
  static async open(opts: PieceStoreOptions): Promise<PieceStore> {
    const { meta } = opts;
    const log = opts.logger ?? silentLogger;
    const dir = await fsp.realpath(opts.dir);
    if (!(await fsp.stat(dir)).isDirectory()) throw new Error(`download folder ${dir} is not a directory`);
    const hasher = opts.hasher ?? new Hasher();
    const make = (init: StoreState) => new PieceStore(meta, dir, hasher, !opts.hasher, log, init);
    try {
      // The target, or (suffix mode) the first "name (n).ext" that is free or already identical.
      let target = '';
      for (let n = 0; n <= MAX_SUFFIX && !target; n++) {
        const candidate = await resolveInside(dir, n === 0 ? meta.name : withSuffix(meta.name, n)).catch((e) => {
          if (n > 0 && e instanceof PathError) return ''; // e.g. a symlink planted at "name (n)": skip it
          throw e;
        });
        if (!candidate) continue;
        const st = await fsp.lstat(candidate).catch((e) => (isErr(e, 'ENOENT') ? undefined : Promise.reject(e)));
        if (!st) target = candidate;
        else if (st.isFile() && st.size === meta.length) {
          const file = await fsp.open(candidate, C.O_RDONLY | C.O_NOFOLLOW);
          const have = await checkPieces(file, meta, hasher, opts.onCheckProgress).catch(async (e) => (await file.close(), Promise.reject(e)));
          if (have.complete) {
            log.info(`${candidate} already holds ${meta.name}; nothing to download`);
            return make({ file, target: candidate, mode: 'final', have });
          }
          await file.close();
        }
        if (!target && opts.onExisting !== 'suffix') throw new ExistingFileError(candidate);
      }
      if (!target) throw new ExistingFileError(path.join(dir, meta.name));

      const sta = path.join(dir, STA_DIR);
      await fsp.mkdir(sta, { recursive: true });
      const staSt = await fsp.lstat(sta);
      if (!staSt.isDirectory()) throw new Error(`${sta} is not a directory (a symlink or file is in the way)`);
      const partPath = path.join(sta, `${meta.infoHashHex}.part`);
      const file = await fsp.open(partPath, C.O_RDWR | C.O_CREAT | C.O_NOFOLLOW, 0o644);
      try {
        const st = await file.stat();
        const isNew = st.size === 0;
        let have = isNew ? new Bitfield(meta.pieceCount) : await readResume(resumePathOf(dir, meta), meta, st.size, st.mtimeMs);
        const trusted = !isNew && have !== undefined;
        if (st.size !== meta.length) await file.truncate(meta.length); // sparse: no blocks until written
        if (!have) {
          log.info(`${partPath}: resume data missing or stale; rechecking the partial file`);
          have = await checkPieces(file, meta, hasher, opts.onCheckProgress);
          log.info(`${partPath}: recheck found ${have.count} of ${meta.pieceCount} pieces`);
        }
        const store = make({ file, target, mode: 'part', have });
        if (!trusted) await store.saveResume(); // so the next open can trust it
        return store;
      } catch (e) {
        await file.close();
        throw e;
      }
    } catch (e) {
      if (!opts.hasher) await hasher.close();
      throw e;
    }
  }

  /** Serves an existing complete file (a repository share); `verify` hashes it first (default). */
  static async openSeed(filePath: string, meta: Metainfo, opts: SeedOptions = {}): Promise<PieceStore> {
    const target = path.resolve(filePath);
    const file = await fsp.open(target, 'r');
    const hasher = opts.hasher ?? new Hasher();
    try {
      const st = await file.stat();
      if (!st.isFile()) throw new Error(`${target} is not a regular file`);
      if (st.size !== meta.length) throw new Error(`${target} is ${st.size} bytes; the torrent ${meta.name} says ${meta.length}`);
      let have = new Bitfield(meta.pieceCount);
      if (opts.verify === false) have.setAll();
      else have = await checkPieces(file, meta, hasher, opts.onCheckProgress);
      if (!have.complete) {
        throw new Error(`${target} does not match the torrent ${meta.name}: ${meta.pieceCount - have.count} of ${meta.pieceCount} pieces differ`);
      }
      return new PieceStore(meta, '', hasher, !opts.hasher, opts.logger ?? silentLogger, { file, target, mode: 'final', have });
    } catch (e) {
      await file.close();
      if (!opts.hasher) await hasher.close();
      throw e;
    }
  }

  /** Where the complete file is (or will be). Can change once, in finish(), if a file took the name meanwhile. */
  get finalPath(): string {
    return this.target;
  }

  get complete(): boolean {
    return this.have.complete;
  }

  /** Bytes handed to putPiece that are not yet verified and written: the engine's back-pressure signal. */
  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * Verifies piece `index` off the main thread and, if its SHA-1 matches, writes it. Resolves
   * false on a mismatch (nothing written). Takes ownership of `buf`: it may be detached afterwards.
   * `recycle`, if given, receives the piece's memory back once the store is done with it (a
   * buffer pool avoids a fresh allocation and its page faults per piece).
   */
  async putPiece(index: number, buf: Buffer, recycle?: (buf: Buffer) => void): Promise<boolean> {
    this.checkIndex(index);
    const size = pieceSize(this.meta, index);
    if (buf.length !== size) throw new RangeError(`piece ${index} of ${this.meta.name} is ${size} bytes, got ${buf.length}`);
    if (this.closing || !this.file) throw new Error(`${this.meta.name}: store is closed`);
    // A duplicate arriving while the first copy is in flight waits for it; if that copy was bad, this one gets its turn.
    for (;;) {
      if (this.have.has(index)) return recycle?.(buf), true;
      const earlier = this.inflight.get(index);
      if (!earlier) break;
      if (await earlier) return recycle?.(buf), true;
    }
    if (this.closing || !this.file) throw new Error(`${this.meta.name}: store is closed`); // closed while we waited
    const p = this.verifyAndWrite(index, buf, this.file, recycle);
    this.inflight.set(index, p);
    return p;
  }

  /** Bytes of a piece we have, for uploading. */
  async readBlock(index: number, begin: number, length: number): Promise<Buffer> {
    this.checkIndex(index);
    const size = pieceSize(this.meta, index);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(length) || begin < 0 || length <= 0 || begin + length > size) {
      throw new RangeError(`block ${begin}+${length} is outside piece ${index} (${size} bytes) of ${this.meta.name}`);
    }
    if (!this.have.has(index)) throw new Error(`piece ${index} of ${this.meta.name} is not available`);
    if (!this.file) throw new Error(`${this.meta.name}: store is closed`);
    const buf = Buffer.allocUnsafe(length);
    await readFull(this.file, buf, index * this.meta.pieceLength + begin);
    return buf;
  }

  /** Moves the complete partial file to its final name (never over another file) and drops resume data. */
  async finish(): Promise<string> {
    if (!this.have.complete) throw new Error(`${this.meta.name}: cannot finish with ${this.meta.pieceCount - this.have.count} pieces missing`);
    if (this.mode === 'final') return this.target;
    if (!this.file || this.closing) throw new Error(`${this.meta.name}: store is closed`);
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.saving;
    const partPath = partPathOf(this.dir, this.meta);
    for (let n = 0; n <= MAX_SUFFIX; n++) {
      let candidate: string;
      try {
        candidate = await resolveInside(this.dir, n === 0 ? this.meta.name : withSuffix(this.meta.name, n));
      } catch (e) {
        if (e instanceof PathError) continue; // a symlink appeared at that name: treat it as taken
        throw e;
      }
      if (!(await placeAt(partPath, candidate))) continue;
      if (candidate !== this.target) this.log.warn(`${this.target} appeared during the download; saved as ${candidate}`);
      // The open handle still refers to the same inode, so reads keep working from the final path.
      this.target = candidate;
      this.mode = 'final';
      await fsp.rm(resumePathOf(this.dir, this.meta), { force: true });
      await fsp.rmdir(path.join(this.dir, STA_DIR)).catch(() => undefined); // only if now empty
      // Flushing a GiB of fresh pages takes seconds and a crash of this process loses nothing
      // (the data is in the page cache); flush in the background for power loss instead of
      // holding up "done".
      const file = this.file;
      this.flushing = file
        .datasync()
        .catch((e: Error) => this.log.warn(`${candidate}: could not flush to disk: ${e.message}`));
      return candidate;
    }
    throw new ExistingFileError(this.target);
  }

  /** Waits for writes in flight, saves resume data and closes the file. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight.values()]);
      await this.flushing;
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      if (this.mode === 'part') await this.saveResume().catch((e) => this.log.warn(`${this.meta.name}: could not save resume data: ${e.message}`));
      await this.saving;
      const file = this.file;
      this.file = undefined;
      await file?.close();
      if (this.ownsHasher) await this.hasher.close();
    })();
    return this.closing;
  }

  /** Cancels a download: closes the store and deletes its partial file and resume data (never a finished file). */
  async discard(): Promise<void> {
    await this.close();
    if (this.mode !== 'part') return;
    await fsp.rm(partPathOf(this.dir, this.meta), { force: true });
    await fsp.rm(resumePathOf(this.dir, this.meta), { force: true });
    await fsp.rmdir(path.join(this.dir, STA_DIR)).catch(() => undefined); // only if now empty
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.meta.pieceCount) {
      throw new RangeError(`piece ${index} is out of range 0..${this.meta.pieceCount - 1} for ${this.meta.name}`);
    }
  }

  private async verifyAndWrite(index: number, buf: Buffer, file: FileHandle, recycle?: (buf: Buffer) => void): Promise<boolean> {
    const size = buf.length; // buf is detached once the hasher takes it
    this.pending += size;
    let bytes: Buffer | undefined;
    try {
      const result = await this.hasher.sha1(buf);
      bytes = result.buf;
      if (!result.digest.equals(this.meta.pieceHashes.subarray(index * 20, index * 20 + 20))) {
        this.log.debug(`${this.meta.name}: piece ${index} failed its SHA-1 check`);
        return false;
      }
      await writeFull(file, bytes, index * this.meta.pieceLength);
      this.have.set(index);
      this.scheduleSave();
      return true;
    } finally {
      this.pending -= size;
      this.inflight.delete(index);
      if (bytes && recycle) recycle(bytes);
    }
  }

  /** At most one save per SAVE_EVERY_MS while pieces arrive; close() saves the rest. */
  private scheduleSave(): void {
    if (this.saveTimer || this.closing || this.mode !== 'part') return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveResume().catch((e) => this.log.warn(`${this.meta.name}: could not save resume data: ${e.message}`));
    }, SAVE_EVERY_MS);
    this.saveTimer.unref();
  }

  /** Saves are chained so two never race on the temp file. */
  private saveResume(): Promise<void> {
    const run = async () => {
      if (this.mode !== 'part' || !this.file) return;
      // Bitfield before stat: a piece written in between is then on disk but unclaimed, never the reverse.
      const bits = Buffer.from(this.have.buffer);
      const st = await this.file.stat();
      const data: ResumeData = {
        version: 1,
        infoHash: this.meta.infoHashHex,
        length: this.meta.length,
        pieceLength: this.meta.pieceLength,
        size: st.size,
        mtimeMs: st.mtimeMs,
        bitfield: bits.toString('base64'),
      };
      const resumePath = resumePathOf(this.dir, this.meta);
      await writeResume(resumePath, data);
    };
    const p = this.saving.then(run, run);
    this.saving = p.catch(() => undefined); // one failed save must not fail every later await
    return p;
  }
}

const partPathOf = (dir: string, meta: Metainfo) => path.join(dir, STA_DIR, `${meta.infoHashHex}.part`);
const resumePathOf = (dir: string, meta: Metainfo) => path.join(dir, STA_DIR, `${meta.infoHashHex}.resume.json`);

/** Links `from` at `to` without ever replacing a file there; false if `to` is taken. */
async function placeAt(from: string, to: string): Promise<boolean> {
  try {
    await fsp.link(from, to); // atomic and fails with EEXIST, unlike rename
    await fsp.unlink(from);
    return true;
  } catch (e) {
    if (isErr(e, 'EEXIST')) return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  // No hard links on this file system (FAT, some network shares): check, then rename.
  if (await fsp.lstat(to).then(() => true, (e) => (isErr(e, 'ENOENT') ? false : Promise.reject(e)))) return false;
  await fsp.rename(from, to);
  return true;
}
