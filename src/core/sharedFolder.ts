// A folder shared as a living repository: files reported by a watcher (or found changed by a read)
// are published once they settle, changed ones replace their old version, gone ones are withdrawn.
// The extension feeds it VS Code's watcher, `sta share` its folder watcher (cli/folderWatcher.ts); it never watches by itself.
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Engine } from './engine';
import { TypedEmitter } from './events';
import { Logger, silentLogger } from './log';
import type { Metainfo } from './metainfo';
import { isSecretPath, Repository, type SharedFile } from './repository';
import type { TorrentSession } from './session/torrentSession';
import { type FileState, sameState } from './storage/fileGuard';

/** a file unchanged this long is done being written; Syncthing waits 10 s, a LAN team wants ~2 s end to end */
export const DEFAULT_SETTLE_MS = 500;
/**
 * files shareAll hashes and seeds at once: small ones go to the hasher's worker together, in one
 * message (see Hasher.hashFile); a large one is read 1 MiB at a time, so 16 in flight stay cheap
 */
export const SHARE_ALL_PARALLEL = 16;

export interface SharedFolderEntry {
  path: string;
  relPath: string;
  size: number;
  meta: Metainfo;
}

/** Hashing the files of shareAll: which one (0-based) of how many. */
export interface HashingProgress {
  index: number;
  total: number;
  relPath: string;
}

export type SharedFolderEvents = {
  /** seeded and announced; `previousInfoHashHex` when it replaces an older version of the same path */
  shared: [entry: SharedFolderEntry, previousInfoHashHex?: string];
  unshared: [relPath: string, infoHashHex: string];
  /** shareAll is hashing a file; undefined: it is done */
  hashing: [progress: HashingProgress | undefined];
  warning: [message: string];
};

export interface SharedFolderOptions {
  engine: Engine;
  root: string;
  /** globs left out (the secret list always applies); default DEFAULT_EXCLUDES */
  excludes?: string[];
  /** where metainfo is cached by path + size + mtime */
  cacheDir?: string;
  /** announce URLs written into the torrents */
  trackers: string[];
  settleMs?: number;
  logger?: Logger;
  /** published as `${catalogPrefix}/${relPath}` (a multi-root workspace's folder name); default: `relPath` */
  catalogPrefix?: string;
}

interface Shared {
  entry: SharedFolderEntry;
  session: TorrentSession;
  /** size and mtime as hashed */
  state: FileState;
  off: () => void;
}

interface Settling {
  timer: NodeJS.Timeout;
  /** the file as last seen; publish when a look `settleMs` later finds it the same */
  seen?: FileState;
  generation: number;
}

const stateOf = (st: { size: number; mtimeMs: number }): FileState => ({ size: st.size, mtimeMs: st.mtimeMs });

export class SharedFolder extends TypedEmitter<SharedFolderEvents> {
  private readonly repo: Repository;
  private readonly shared = new Map<string, Shared>();
  /** how many shared paths have each info-hash (same content, one session) */
  private readonly paths = new Map<string, number>();
  private readonly settling = new Map<string, Settling>();
  /** one job at a time per path, in order */
  private readonly queues = new Map<string, Promise<void>>();
  /** shared by name (shareFile): excludes do not apply to them, the secret list does */
  private readonly named = new Set<string>();
  private readonly abort = new AbortController();
  private readonly settleMs: number;
  private readonly log: Logger;

  constructor(private readonly o: SharedFolderOptions) {
    super();
    this.repo = new Repository({ root: o.root, excludes: o.excludes, cacheDir: o.cacheDir, hasher: o.engine.hasher });
    this.settleMs = o.settleMs ?? DEFAULT_SETTLE_MS;
    this.log = o.logger ?? silentLogger;
  }

  get root(): string {
    return this.o.root;
  }

  /**
   * Hashes (through the metainfo cache) and seeds each file, SHARE_ALL_PARALLEL at a time, started in
   * order; `signal` ends the pass. The metainfo cache is written once the pass is over.
   */
  async shareAll(files: SharedFile[], signal?: AbortSignal): Promise<void> {
    const stop = signal ? AbortSignal.any([signal, this.abort.signal]) : this.abort.signal;
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < files.length && !stop.aborted) {
        const index = next++;
        const f = files[index];
        this.emit('hashing', { index, total: files.length, relPath: f.relPath });
        await this.enqueue(f.relPath, () => this.publish(f.relPath, stateOf(f), stop, true));
      }
    };
    const started = Date.now();
    try {
      await Promise.all(Array.from({ length: Math.min(SHARE_ALL_PARALLEL, files.length) }, lane));
      // one line for the pass (each file's is a debug line): a workspace may hold thousands
      if (files.length > 0) this.log.info(`sharing ${this.shared.size} files of ${this.o.root} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } finally {
      if (files.length > 0) this.emit('hashing', undefined);
      await this.repo.flushCache();
    }
  }

  /** Shares one file by name, excluded or not (never a secret); throws when it cannot. */
  async shareFile(path: string): Promise<SharedFolderEntry> {
    const rel = this.relPathOf(path);
    if (rel === undefined) throw new Error(`${path} is outside ${this.o.root}; only files inside it are shared.`);
    const st = await fsp.lstat(join(this.o.root, rel));
    if (!st.isFile()) throw new Error(`${rel} is not a file.`);
    if (st.size === 0) throw new Error(`${rel} is empty; there is nothing to share.`);
    if (isSecretPath(rel)) throw new Error(`${rel} looks like a key, credentials or a .env file: STA never shares those.`);
    this.named.add(rel);
    await this.enqueue(rel, () => this.publish(rel, stateOf(st), this.abort.signal));
    const entry = this.shared.get(rel)?.entry;
    if (!entry) throw new Error(`Could not share ${rel}; see the log.`);
    return entry;
  }

  /** A watcher saw `relPath` created, changed or renamed to: (re)published once it settles, unshared if gone. */
  changed(relPath: string): void {
    const rel = normalize(relPath);
    if (rel === undefined || this.abort.signal.aborted) return;
    const previous = this.settling.get(rel);
    if (previous) clearTimeout(previous.timer);
    const s: Settling = { timer: setTimeout(() => this.settle(rel, s), this.settleMs), generation: (previous?.generation ?? 0) + 1 };
    this.settling.set(rel, s);
    void this.look(rel).then((seen) => this.settling.get(rel) === s && (s.seen = seen));
  }

  /** A watcher saw `relPath` (a file, or a folder with everything under it) deleted or renamed away. */
  removed(relPath: string): void {
    const rel = normalize(relPath);
    if (rel === undefined) return;
    // a file (the common case, thousands at a time when a folder goes) is found at once; a folder takes a look at every path
    const file = this.shared.has(rel) || this.settling.has(rel);
    for (const r of file ? [rel] : [...this.settling.keys(), ...this.shared.keys()]) {
      if (r !== rel && !r.startsWith(`${rel}/`)) continue;
      clearTimeout(this.settling.get(r)?.timer);
      this.settling.delete(r);
      // re-checked in order after any job under way: a file put back meanwhile stays shared
      void this.enqueue(r, () => this.update(r));
    }
  }

  entries(): SharedFolderEntry[] {
    return [...this.shared.values()].map((s) => s.entry);
  }

  /** Stops settling and hashing; the sessions stay the engine's (Engine.close stops them). Resolves once the metainfo cache is written. */
  close(): Promise<void> {
    this.abort.abort();
    for (const s of this.settling.values()) clearTimeout(s.timer);
    this.settling.clear();
    for (const s of this.shared.values()) s.off();
    return this.repo.flushCache();
  }

  private async settle(rel: string, s: Settling): Promise<void> {
    const now = await this.look(rel);
    if (this.settling.get(rel) !== s) return;
    if (now && (!s.seen || !sameState(now, s.seen))) {
      // still being written: look again later
      s.seen = now;
      s.timer = setTimeout(() => this.settle(rel, s), this.settleMs);
      return;
    }
    this.settling.delete(rel);
    await this.enqueue(rel, () => this.update(rel));
  }

  /** Size and mtime of a regular file at `rel`; undefined when it is gone or something else (symlinks are not followed). */
  private async look(rel: string): Promise<FileState | undefined> {
    const st = await fsp.lstat(join(this.o.root, rel)).catch(() => undefined);
    return st?.isFile() ? stateOf(st) : undefined;
  }

  /** Brings what is shared at `rel` in line with the file there now. */
  private async update(rel: string): Promise<void> {
    const now = await this.look(rel);
    const excluded = isSecretPath(rel) || (!this.named.has(rel) && this.repo.isExcluded(rel));
    if (!now || now.size === 0 || excluded) return this.unpublish(rel);
    const cur = this.shared.get(rel);
    if (cur && sameState(cur.state, now) && cur.session.state === 'seeding') return;
    await this.publish(rel, now, this.abort.signal);
  }

  /** Hashes `rel` as it was at `state`, stops its old version, seeds and announces the new one. */
  private async publish(rel: string, state: FileState, signal: AbortSignal, quiet = false): Promise<void> {
    const path = join(this.o.root, rel);
    let meta: Metainfo;
    let current: boolean;
    try {
      ({ meta, current } = await this.repo.hashFile({ path, relPath: rel, ...state }, this.o.trackers, signal));
    } catch (e) {
      if (signal.aborted) return;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.unpublish(rel);
      return this.warn(`could not hash ${rel}: ${(e as Error).message}`);
    }
    if (signal.aborted) return;
    // written again while it was hashed: the old version stays until this one settles and is hashed again.
    // (A change after this is the watcher's to report, or the first read's to find: see FileGuard.)
    if (!current) return this.changed(rel);
    const old = this.shared.get(rel);
    if (old) await this.drop(rel, old);
    let session: TorrentSession;
    try {
      const catalogPath = this.o.catalogPrefix ? `${this.o.catalogPrefix}/${rel}` : rel;
      session = await this.o.engine.seed(path, { meta, catalogPath, hashedAt: state });
    } catch (e) {
      if (old) this.emit('unshared', rel, old.entry.meta.infoHashHex);
      // written again while it was hashed: it settles, then it is hashed again
      if ((e as Error).name === 'StaleFileError') return this.changed(rel);
      if (!signal.aborted) this.warn(`could not share ${rel}: ${(e as Error).message}`);
      return;
    }
    const entry: SharedFolderEntry = { path, relPath: rel, size: state.size, meta };
    // a read found the file changed (no watcher needed): look at it again
    const off = session.on('stale', () => this.changed(rel));
    this.shared.set(rel, { entry, session, state, off });
    this.paths.set(meta.infoHashHex, (this.paths.get(meta.infoHashHex) ?? 0) + 1);
    const line = `${old ? 'updated' : 'sharing'} ${rel} (${meta.infoHashHex})`;
    if (quiet) this.log.debug(line);
    else this.log.info(line);
    this.emit('shared', entry, old?.entry.meta.infoHashHex);
  }

  private async unpublish(rel: string): Promise<void> {
    const cur = this.shared.get(rel);
    if (!cur) return;
    await this.drop(rel, cur);
    this.log.info(`no longer sharing ${rel}`);
    this.emit('unshared', rel, cur.entry.meta.infoHashHex);
  }

  /** Forgets `rel`'s entry and stops its session (announcing `stopped`) unless another path has the same content. */
  private async drop(rel: string, s: Shared): Promise<void> {
    this.shared.delete(rel);
    s.off();
    const hash = s.entry.meta.infoHashHex;
    const left = (this.paths.get(hash) ?? 1) - 1;
    if (left > 0) return void this.paths.set(hash, left);
    this.paths.delete(hash);
    await this.o.engine.remove(hash);
  }

  private enqueue(rel: string, job: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(rel) ?? Promise.resolve())
      .then(job)
      .catch((e: Error) => this.warn(`${rel}: ${e.message}`))
      .finally(() => this.queues.get(rel) === next && this.queues.delete(rel));
    this.queues.set(rel, next);
    return next;
  }

  private relPathOf(path: string): string | undefined {
    const rel = relative(this.o.root, path);
    return isAbsolute(rel) ? undefined : normalize(rel.split(sep).join('/'));
  }

  private warn(message: string): void {
    this.log.warn(message);
    this.emit('warning', message);
  }
}

/** Forward slashes, no empty, `.` or `..` component: a path inside the root, or undefined. */
function normalize(relPath: string): string | undefined {
  const parts = relPath.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..') || /^[A-Za-z]:/.test(parts[0]) || relPath.startsWith('/')) return undefined;
  return parts.join('/');
}
