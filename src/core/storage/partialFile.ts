// A download in progress: `.sta/<info-hash>.part` in the download folder, preallocated at full
// length, and its resume data so a restart (or a crash) never re-fetches work; a recheck when that is stale.
import { constants as C, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Bitfield } from '../bitfield';
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import type { Hasher } from './hasher';
import { checkPieces } from './recheck';
import { readResume, writeResume } from './resume';

const STA_DIR = '.sta';
const SAVE_EVERY_MS = 500;
/** `.sta/.gitignore`: partial downloads never show in `git status` */
const GITIGNORE = '.gitignore';
const IGNORE_ALL = '*\n';

/** Writes `.sta/.gitignore` (`*`) unless one is there (a user's is kept as written). */
async function ignoreInGit(sta: string): Promise<void> {
  await fsp.writeFile(path.join(sta, GITIGNORE), IGNORE_ALL, { flag: 'wx', mode: 0o644 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

/** Removes `.sta` once nothing but our own `.gitignore` is left in it. */
async function removeStaDirIfEmpty(sta: string): Promise<void> {
  const names = await fsp.readdir(sta).catch(() => undefined);
  if (!names || names.some((n) => n !== GITIGNORE)) return;
  if (names.length === 1 && (await fsp.readFile(path.join(sta, GITIGNORE), 'utf8').catch(() => '')) !== IGNORE_ALL) return;
  await fsp.rm(path.join(sta, GITIGNORE), { force: true });
  await fsp.rmdir(sta).catch(() => undefined); // only if still empty
}

/** The one rule for where a download's own files live: `.sta/<info-hash>.<kind>` inside its folder. */
const staFile = (dir: string, meta: Metainfo, kind: 'part' | 'resume.json' | 'side' | 'next') => path.join(dir, STA_DIR, `${meta.infoHashHex}.${kind}`);

export class PartialFile {
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  /** the file has its final name: no resume data from now on */
  private done = false;
  /** bytes of verified pieces an update copied from the older file (kept in the resume data across restarts) */
  reusedBytes = 0;

  private constructor(
    /** the download folder (a real path) */
    readonly dir: string,
    private readonly meta: Metainfo,
    readonly handle: FileHandle,
    /** the verified pieces: the store sets them, saves record them */
    readonly have: Bitfield,
    private readonly log: Logger,
  ) {}

  /**
   * Opens (or creates) the partial file of `meta` in `dir`. Its resume data is trusted only while
   * the file's size and mtime match it; otherwise the file is rechecked and the result saved.
   */
  static async open(
    dir: string,
    meta: Metainfo,
    hasher: Hasher,
    log: Logger,
    onCheckProgress?: (checked: number, total: number) => void,
    signal?: AbortSignal,
  ) {
    signal?.throwIfAborted();
    const sta = path.join(dir, STA_DIR);
    await fsp.mkdir(sta, { recursive: true });
    if (!(await fsp.lstat(sta)).isDirectory()) throw new Error(`${sta} is not a directory (a symlink or file is in the way)`);
    await ignoreInGit(sta);
    const partPath = staFile(dir, meta, 'part');
    const handle = await fsp.open(partPath, C.O_RDWR | C.O_CREAT | C.O_NOFOLLOW, 0o644);
    try {
      const st = await handle.stat();
      const isNew = st.size === 0;
      const resumed = isNew ? undefined : await readResume(staFile(dir, meta, 'resume.json'), meta, st.size, st.mtimeMs);
      let have = isNew ? new Bitfield(meta.pieceCount) : resumed?.have;
      const trusted = resumed?.have !== undefined;
      if (st.size !== meta.length) await handle.truncate(meta.length); // sparse: no blocks until written
      if (!have) {
        log.info(`${partPath}: resume data missing or stale; rechecking the partial file`);
        have = await checkPieces(handle, meta, hasher, onCheckProgress, signal);
        log.info(`${partPath}: recheck found ${have.count} of ${meta.pieceCount} pieces`);
      }
      const partial = new PartialFile(dir, meta, handle, have, log);
      partial.reusedBytes = resumed?.reusedBytes ?? 0;
      if (!trusted) await partial.save(); // so the next open can trust it
      return partial;
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get path(): string {
    return staFile(this.dir, this.meta, 'part');
  }

  /** a finished selective download's bytes of unselected files inside selected pieces (selection.ts) */
  get sidePath(): string {
    return staFile(this.dir, this.meta, 'side');
  }

  /** At most one save per SAVE_EVERY_MS while pieces arrive; saveAndStop() saves the rest. */
  scheduleSave(): void {
    if (this.saveTimer || this.done) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save().catch((e) => this.warnUnsaved(e));
    }, SAVE_EVERY_MS);
    this.saveTimer.unref();
  }

  /** Cancels the next save and waits for one under way: the file is about to move. */
  async settle(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.saving;
  }

  /** The last save, as the store closes. */
  async saveAndStop(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.save().catch((e) => this.warnUnsaved(e));
    await this.saving;
  }

  /** The file has been linked to its final name: its resume data (and an empty `.sta`) go. */
  async finished(): Promise<void> {
    this.done = true;
    await fsp.rm(staFile(this.dir, this.meta, 'resume.json'), { force: true });
    await this.removeStaDir();
  }

  /** where a folder update writes each new file before it replaces the older one */
  get scratchPath(): string {
    return staFile(this.dir, this.meta, 'next');
  }

  /** A cancelled download: deletes the partial file and its resume data. */
  async remove(): Promise<void> {
    await fsp.rm(this.path, { force: true });
    await fsp.rm(this.scratchPath, { force: true });
    await fsp.rm(staFile(this.dir, this.meta, 'resume.json'), { force: true });
    await this.removeStaDir();
  }

  /** A download whose files are all in place already (a crash came between placing them and this cleanup): its leftovers go. */
  static async removeLeftovers(dir: string, meta: Metainfo): Promise<void> {
    for (const kind of ['part', 'resume.json', 'next'] as const) await fsp.rm(staFile(dir, meta, kind), { force: true });
    await removeStaDirIfEmpty(path.join(dir, STA_DIR));
  }

  /** Saves are chained so two never race on the temp file. */
  private save(): Promise<void> {
    const run = async () => {
      if (this.done) return;
      // Bitfield before stat: a piece written in between is then on disk but unclaimed, never the reverse.
      const bits = Buffer.from(this.have.buffer);
      const st = await this.handle.stat();
      await writeResume(staFile(this.dir, this.meta, 'resume.json'), {
        version: 1,
        infoHash: this.meta.infoHashHex,
        length: this.meta.length,
        pieceLength: this.meta.pieceLength,
        size: st.size,
        mtimeMs: st.mtimeMs,
        bitfield: bits.toString('base64'),
        reusedBytes: this.reusedBytes,
      });
    };
    const p = this.saving.then(run, run);
    this.saving = p.catch(() => undefined); // one failed save must not fail every later await
    return p;
  }

  private warnUnsaved(e: Error): void {
    this.log.warn(`${this.meta.name}: could not save resume data: ${e.message}`);
  }

  private async removeStaDir(): Promise<void> {
    await removeStaDirIfEmpty(path.join(this.dir, STA_DIR));
  }
}
