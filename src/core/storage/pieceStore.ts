// One torrent's data on disk as the session sees it: pieces verified and written, blocks read back,
// the file given its final name when complete. Built from placement, partialFile and pieceFile.
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Bitfield } from '../bitfield';
import { silentLogger, type Logger } from '../log';
import type { Metainfo } from '../metainfo';
import { pieceSize } from '../pieces';
import { FileGuard, type FileState } from './fileGuard';
import { Hasher } from './hasher';
import { PartialFile } from './partialFile';
import { PieceFile } from './pieceFile';
import { findPlace, placeFinal, type OnExisting } from './placement';
import { checkPieces } from './recheck';

export interface PieceStoreOptions {
  dir: string;
  meta: Metainfo;
  /** a different file already at the target: throw ExistingFileError (default) or write beside it as "name (1).ext" */
  onExisting?: OnExisting;
  hasher?: Hasher;
  logger?: Logger;
  onCheckProgress?: (checkedBytes: number, total: number) => void;
  /** stops the hash check of existing data at once (AbortError): the torrent was stopped or removed */
  signal?: AbortSignal;
}

export interface SeedOptions {
  hasher?: Hasher;
  logger?: Logger;
  /** false trusts the file (e.g. just hashed by createTorrent); default true */
  verify?: boolean;
  onCheckProgress?: (checkedBytes: number, total: number) => void;
  /** stops the verification at once (AbortError) */
  signal?: AbortSignal;
  /** the file's size and mtime when its metainfo was hashed: a file changed since is refused (StaleFileError) */
  hashedAt?: FileState;
}

interface StoreParts {
  meta: Metainfo;
  target: string;
  partial?: PartialFile;
  handle: FileHandle;
  have: Bitfield;
  hasher: Hasher;
  ownsHasher: boolean;
  log: Logger;
}

export class PieceStore {
  readonly have: Bitfield;
  private readonly meta: Metainfo;
  private readonly file: PieceFile;
  private readonly handle: FileHandle;
  /** set once the file is complete at `target`: peers are served only while it is as hashed */
  private guard: FileGuard | undefined;
  private readonly staleListeners: ((reason: string) => void)[] = [];
  private target: string;
  /** the download in progress; undefined once the file is complete at `target` */
  private partial: PartialFile | undefined;
  private readonly hasher: Hasher;
  private readonly ownsHasher: boolean;
  private readonly log: Logger;
  private closing: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(p: StoreParts) {
    this.meta = p.meta;
    this.target = p.target;
    this.partial = p.partial;
    this.have = p.have;
    this.hasher = p.hasher;
    this.ownsHasher = p.ownsHasher;
    this.log = p.log;
    this.handle = p.handle;
    this.file = new PieceFile(p.handle, p.meta, p.have, p.hasher, p.log, () => {
      if (!this.closing) this.partial?.scheduleSave();
    });
  }

  /** Downloads (or resumes downloading) `meta` into `opts.dir`. */
  static async open(opts: PieceStoreOptions): Promise<PieceStore> {
    const { meta, signal } = opts;
    signal?.throwIfAborted();
    const log = opts.logger ?? silentLogger;
    const dir = await fsp.realpath(opts.dir);
    if (!(await fsp.stat(dir)).isDirectory()) throw new Error(`download folder ${dir} is not a directory`);
    const hasher = opts.hasher ?? new Hasher();
    const common = { meta, hasher, ownsHasher: !opts.hasher, log };
    try {
      const place = await findPlace(dir, meta, { onExisting: opts.onExisting, hasher, log, onCheckProgress: opts.onCheckProgress, signal });
      if (place.existing) {
        const store = new PieceStore({ ...common, target: place.target, ...place.existing });
        store.guardWith(await FileGuard.open(place.existing.handle, place.target));
        return store;
      }
      const partial = await PartialFile.open(dir, meta, hasher, log, opts.onCheckProgress, signal);
      return new PieceStore({ ...common, target: place.target, partial, handle: partial.handle, have: partial.have });
    } catch (e) {
      if (!opts.hasher) await hasher.close();
      throw e;
    }
  }

  /** Serves an existing complete file (a repository share); `verify` hashes it first (default). */
  static async openSeed(filePath: string, meta: Metainfo, opts: SeedOptions = {}): Promise<PieceStore> {
    const target = path.resolve(filePath);
    opts.signal?.throwIfAborted();
    const handle = await fsp.open(target, 'r');
    const hasher = opts.hasher ?? new Hasher();
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new Error(`${target} is not a regular file`);
      const guard = await FileGuard.open(handle, target, opts.hashedAt);
      if (st.size !== meta.length) throw new Error(`${target} is ${st.size} bytes; the torrent ${meta.name} says ${meta.length}`);
      let have = new Bitfield(meta.pieceCount);
      if (opts.verify === false) have.setAll();
      else have = await checkPieces(handle, meta, hasher, opts.onCheckProgress, opts.signal);
      if (!have.complete) {
        throw new Error(`${target} does not match the torrent ${meta.name}: ${meta.pieceCount - have.count} of ${meta.pieceCount} pieces differ`);
      }
      const store = new PieceStore({ meta, target, handle, have, hasher, ownsHasher: !opts.hasher, log: opts.logger ?? silentLogger });
      store.guardWith(guard);
      return store;
    } catch (e) {
      await handle.close();
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
    return this.file.pendingBytes;
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
    return this.file.write(index, buf, recycle);
  }

  /** Bytes of a piece we have, for uploading. */
  async readBlock(index: number, begin: number, length: number): Promise<Buffer> {
    this.checkIndex(index);
    const size = pieceSize(this.meta, index);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(length) || begin < 0 || length <= 0 || begin + length > size) {
      throw new RangeError(`block ${begin}+${length} is outside piece ${index} (${size} bytes) of ${this.meta.name}`);
    }
    if (!this.have.has(index)) throw new Error(`piece ${index} of ${this.meta.name} is not available`);
    const guard = this.guard;
    return guard ? guard.read(() => this.file.read(index, begin, length)) : this.file.read(index, begin, length);
  }

  /** The complete file changed on disk since it was hashed: no block of it is read for peers any more. */
  get stale(): boolean {
    return this.guard?.stale ?? false;
  }

  /** `cb` hears once, when the complete file is first found changed (a read for a peer was refused). */
  whenStale(cb: (reason: string) => void): void {
    this.staleListeners.push(cb);
  }

  private guardWith(guard: FileGuard): void {
    this.guard = guard;
    guard.whenStale((reason) => this.staleListeners.forEach((cb) => cb(reason)));
  }

  /** Moves the complete partial file to its final name (never over another file) and drops resume data. */
  async finish(): Promise<string> {
    if (!this.have.complete) throw new Error(`${this.meta.name}: cannot finish with ${this.meta.pieceCount - this.have.count} pieces missing`);
    const partial = this.partial;
    if (!partial) return this.target;
    if (this.closing) throw new Error(`${this.meta.name}: store is closed`);
    await partial.settle();
    const final = await placeFinal(partial.path, partial.dir, this.meta.name, this.target);
    if (final !== this.target) this.log.warn(`${this.target} appeared during the download; saved as ${final}`);
    // The open handle still refers to the same inode, so reads keep working from the final path.
    this.target = final;
    this.partial = undefined;
    await partial.finished();
    this.guardWith(await FileGuard.open(this.handle, final));
    // Flushing a GiB of fresh pages takes seconds and a crash of this process loses nothing (the data
    // is in the page cache): flush in the background, for power loss, instead of holding up "done".
    this.flushing = this.file.sync().catch((e: Error) => this.log.warn(`${final}: could not flush to disk: ${e.message}`));
    return final;
  }

  /** Waits for writes in flight, saves resume data and closes the file. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.file.stopWrites();
      await this.flushing;
      await this.partial?.saveAndStop();
      await this.file.close();
      if (this.ownsHasher) await this.hasher.close();
    })();
    return this.closing;
  }

  /** Cancels a download: closes the store and deletes its partial file and resume data (never a finished file). */
  async discard(): Promise<void> {
    await this.close();
    await this.partial?.remove();
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.meta.pieceCount) {
      throw new RangeError(`piece ${index} is out of range 0..${this.meta.pieceCount - 1} for ${this.meta.name}`);
    }
  }
}
