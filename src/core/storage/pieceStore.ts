// One torrent's data on disk as the session sees it: pieces verified and written, blocks read back,
// the file given its final name when complete. Built from placement, partialFile and pieceFile.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../bitfield';
import { silentLogger, type Logger } from '../log';
import type { Metainfo } from '../metainfo';
import { pieceSize } from '../pieces';
import { FileGuard } from './fileGuard';
import { FolderFile } from './folderFile';
import { findFolderPlace, openFolder, placeFolder, updateFolder } from './folderPlacement';
import { type FolderCopy, folderSource } from './folderUpdate';
import { Hasher } from './hasher';
import { PartialFile } from './partialFile';
import { PieceFile, type Recycle } from './pieceFile';
import { type FileIdentity, fileSource, type LocalCopy, type ReuseIntoOptions, type ReuseSource, reuseInto } from './localCopy';
import { findPlace, placeFinal, relPathOf, replaceFinal } from './placement';
import type { PositionalFile } from './seedFile';
import { openSeedFile } from './seedOpening';
import { type Selection, selectFiles } from './selection';
import type { PieceStoreOptions, SeedOptions, StoreParts } from './storeOptions';

export type { PieceStoreOptions, SeedOptions } from './storeOptions';

export class PieceStore {
  readonly have: Bitfield;
  /** pieces this download needs no more: `have` itself, or for a selective download also every piece of unselected files only */
  readonly need: Bitfield;
  private readonly selection: Selection | undefined;
  private readonly meta: Metainfo;
  /** the partial file while downloading; a multi-file torrent's own files once it is complete */
  private file: PieceFile;
  private handle: PositionalFile;
  /** set once the file is complete at `target`: peers are served only while it is as hashed */
  private guard: FileGuard | undefined;
  private readonly staleListeners: ((reason: string) => void)[] = [];
  private target: string;
  private readonly relPath: string;
  private readonly replaces: FileIdentity | undefined;
  private readonly replacesFolder: FolderCopy | undefined;
  private readonly warnListeners: ((message: string) => void)[] = [];
  private reusedAtFinish = 0;
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
    this.relPath = p.relPath ?? p.meta.name;
    this.replaces = p.replaces;
    this.replacesFolder = p.replacesFolder;
    this.partial = p.partial;
    this.have = p.have;
    this.selection = p.selection;
    this.need = p.selection ? new Bitfield(p.have.length, p.have.buffer) : p.have;
    if (p.selection) for (let i = 0; i < p.have.length; i++) if (!p.selection.pieces.has(i)) this.need.set(i);
    this.hasher = p.hasher;
    this.ownsHasher = p.ownsHasher;
    this.log = p.log;
    this.handle = p.handle;
    this.file = new PieceFile(p.handle, p.meta, p.have, p.hasher, p.log, (i) => {
      if (this.need !== this.have) this.need.set(i);
      if (!this.closing) this.partial?.scheduleSave();
    });
  }

  /**
   * Downloads (or resumes downloading) `meta` into `opts.dir` at `opts.relPath`. For an update, the
   * pieces of the older file (or folder) there that match are copied into the partial file first (`reusedBytes`).
   */
  static async open(opts: PieceStoreOptions): Promise<PieceStore> {
    const { meta, signal, onCheckProgress } = opts;
    signal?.throwIfAborted();
    const log = opts.logger ?? silentLogger;
    const relPath = relPathOf(meta, opts.relPath);
    const dir = await fsp.realpath(opts.dir);
    if (!(await fsp.stat(dir)).isDirectory()) throw new Error(`download folder ${dir} is not a directory`);
    const hasher = opts.hasher ?? new Hasher();
    const selection = opts.select?.length ? selectFiles(meta, opts.select) : undefined;
    const common = { meta, relPath, hasher, ownsHasher: !opts.hasher, log, selection };
    let update: LocalCopy | undefined;
    try {
      const placeOpts = { relPath, onExisting: opts.onExisting, hasher, log, onCheckProgress, signal };
      const reuse = { lanes: hasher.size + 1, log, onProgress: onCheckProgress, signal };
      if (meta.multiFile) {
        const folder = await findFolderPlace(dir, relPath, meta, placeOpts);
        if (folder.existing) return await PieceStore.serving({ ...common, target: folder.target, handle: folder.existing.file, have: folder.existing.have });
        const partial = await PartialFile.open(dir, meta, hasher, log, onCheckProgress, signal);
        const store = new PieceStore({ ...common, target: folder.target, replacesFolder: folder.update, partial, handle: partial.handle, have: partial.have });
        return await store.begin(partial, folder.update && folderSource(folder.update, meta), reuse);
      }
      const place = await findPlace(dir, meta, placeOpts);
      if (place.existing) {
        return await PieceStore.serving({ ...common, target: place.target, ...place.existing });
      }
      update = place.update;
      const partial = await PartialFile.open(dir, meta, hasher, log, onCheckProgress, signal);
      const store = new PieceStore({ ...common, target: place.target, replaces: update?.identity, partial, handle: partial.handle, have: partial.have });
      // the old file is closed before it may be renamed over (Windows)
      return await store.begin(partial, update && fileSource(update, meta), reuse, async () => update?.handle.close());
    } catch (e) {
      if (!opts.hasher) await hasher.close();
      throw e;
    } finally {
      await update?.handle.close();
    }
  }

  /**
   * A new download's first steps: the pieces of an older copy that match are reused (an update), and if every
   * piece is here already (all reused, or a crash came just before the files were put in place) it finishes now.
   */
  private async begin(partial: PartialFile, older: ReuseSource | undefined, reuse: ReuseIntoOptions, reused?: () => Promise<void>): Promise<PieceStore> {
    try {
      if (older) await reuseInto(older, this.meta, partial, (i, buf, recycle) => this.file.write(i, buf, recycle), reuse);
      await reused?.();
      if (this.complete) await this.finish();
    } catch (e) {
      await this.close();
      throw e;
    }
    return this;
  }

  /** Bytes of this download taken from an older local copy (an update) rather than from peers. */
  get reusedBytes(): number {
    return this.partial?.reusedBytes ?? this.reusedAtFinish;
  }

  /** `cb` hears what the user should know about the file's placement (e.g. the old file was changed, so the new one went beside it). */
  whenWarned(cb: (message: string) => void): void {
    this.warnListeners.push(cb);
  }

  private warn(message: string): void {
    if (this.warnListeners.length === 0) this.log.warn(message);
    this.warnListeners.forEach((cb) => cb(message));
  }

  /** Serves an existing complete file (a repository share) or folder (multi-file); `verify` hashes it first (default). */
  static async openSeed(filePath: string, meta: Metainfo, opts: SeedOptions = {}): Promise<PieceStore> {
    const target = path.resolve(filePath);
    opts.signal?.throwIfAborted();
    const hasher = opts.hasher ?? new Hasher();
    try {
      const { handle, have, guard } = await (meta.multiFile ? openFolder : openSeedFile)(target, meta, { ...opts, hasher });
      return await PieceStore.serving({ meta, target, handle, have, hasher, ownsHasher: !opts.hasher, log: opts.logger ?? silentLogger }, guard);
    } catch (e) {
      if (!opts.hasher) await hasher.close();
      throw e;
    }
  }

  /** Where the complete file is (or will be). Can change once, in finish(), if a file took the name meanwhile. */
  get finalPath(): string {
    return this.target;
  }

  get complete(): boolean {
    return this.need.complete;
  }

  /** Bytes handed to putPiece that are not yet verified and written: the engine's back-pressure signal. */
  get pendingBytes(): number {
    return this.file.pendingBytes;
  }

  /**
   * Verifies piece `index` off the main thread and, if its SHA-1 matches, writes it. Resolves
   * false on a mismatch (nothing written). Takes ownership of `buf`: it may be detached afterwards.
   * `recycle`, if given, receives the piece's memory back once the store is done with it (a
   * buffer pool avoids a fresh allocation and its page faults per piece), saying whether it holds
   * the verified piece.
   */
  async putPiece(index: number, buf: Buffer, recycle?: Recycle): Promise<boolean> {
    this.checkIndex(index);
    const size = pieceSize(this.meta, index);
    if (buf.length !== size) throw new RangeError(`piece ${index} of ${this.meta.name} is ${size} bytes, got ${buf.length}`);
    return this.file.write(index, buf, recycle);
  }

  /** Bytes of a piece we have, for uploading; read into `into` (`length` bytes) when given. */
  async readBlock(index: number, begin: number, length: number, into?: Buffer): Promise<Buffer> {
    this.checkIndex(index);
    const size = pieceSize(this.meta, index);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(length) || begin < 0 || length <= 0 || begin + length > size) {
      throw new RangeError(`block ${begin}+${length} is outside piece ${index} (${size} bytes) of ${this.meta.name}`);
    }
    if (!this.have.has(index)) throw new Error(`piece ${index} of ${this.meta.name} is not available`);
    const guard = this.guard;
    if (into && into.length !== length) throw new RangeError(`a ${into.length}-byte buffer for a ${length}-byte read`);
    return guard ? guard.read(() => this.file.read(index, begin, length, into)) : this.file.read(index, begin, length, into);
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
    if (!this.complete) throw new Error(`${this.meta.name}: cannot finish with ${this.meta.pieceCount - this.need.count} pieces missing`);
    const partial = this.partial;
    if (!partial) return this.target;
    if (this.closing) throw new Error(`${this.meta.name}: store is closed`);
    await partial.settle();
    if (this.meta.multiFile) return this.finishFolder(partial);
    const old = this.replaces;
    const final = old
      ? await replaceFinal(partial.path, partial.dir, this.relPath, this.target, old)
      : await placeFinal(partial.path, partial.dir, this.relPath, this.target);
    const why = old ? 'changed while its update was downloading (or is in use); kept it as it is and' : 'appeared during the download;';
    if (final !== this.target) this.warn(`${this.target} ${why} saved the new version as ${final}`);
    this.reusedAtFinish = partial.reusedBytes;
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

  /** A multi-file torrent's files written out from the partial file (then deleted); pieces are read from the files from now on. */
  private async finishFolder(partial: PartialFile): Promise<string> {
    const sel = this.selection && { ...this.selection, sidePath: partial.sidePath };
    const older = this.replacesFolder;
    const final = older
      ? await updateFolder(partial, this.relPath, this.meta, older, this.hasher, sel)
      : await placeFolder(partial.handle, partial.dir, this.relPath, this.meta, this.target, sel);
    const why = older ? 'changed while its update was downloading; kept it as it is and' : 'appeared during the download;';
    if (final !== this.target) this.warn(`${this.target} ${why} saved the files in ${final}`);
    const [folder, part] = [new FolderFile(final, this.meta.files, undefined, sel), this.file];
    await folder.noteAll(); // the files as written: one changed later is never served
    this.file = new PieceFile(folder, this.meta, this.have, this.hasher, this.log, () => {});
    [this.handle, this.target, this.partial] = [folder, final, undefined];
    this.reusedAtFinish = partial.reusedBytes;
    await part.close();
    await partial.remove();
    this.guardWith(await FileGuard.open(folder, final));
    this.flushing = folder.datasync().catch((e: Error) => this.log.warn(`${final}: could not flush to disk: ${e.message}`)); // as for one file
    return final;
  }

  /** A store of complete data, guarded from now on (by `guard` when the caller has one already). */
  private static async serving(parts: StoreParts, guard?: FileGuard): Promise<PieceStore> {
    const store = new PieceStore(parts);
    store.guardWith(guard ?? (await FileGuard.open(parts.handle, parts.target)));
    return store;
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
