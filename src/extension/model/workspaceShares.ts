// What this workspace shares: each `file:` folder's files (minus excluded and secret ones), kept current while
// STA runs by VS Code's file watcher feeding one core SharedFolder per folder; files shared one by one;
// finished downloads. A folder that leaves the workspace is withdrawn: its files are no longer seeded.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type Engine, type HashingProgress, type Logger, type Metainfo, Repository, SharedFolder, type SharedFile } from '../../core/api';
import type { SharedFolderEntry } from '../../core/api';
import { Disposable, toDisposable } from '../lifecycle';
import { relativePathIn } from './downloadPlaces';

/** A shared file: `relPath` is relative to its folder (`root`), `catalogPath` what the catalog lists it as. */
export interface SharedEntry extends SharedFolderEntry {
  root: string;
  catalogPath: string;
  /** a folder shared as one torrent (Share Folder via STA): how many files it holds */
  files?: number;
  /** a folder shared as one torrent stopped (a file in it changed): why */
  stopped?: string;
}
export type { HashingProgress };

/** A folder created or moved in is reported alone: at most this many files under it are looked at. */
const MAX_FILES_IN_NEW_FOLDER = 10_000;

/** One workspace folder being shared. */
export interface FolderToShare {
  root: string;
  /** the first part of its catalog paths (multi-root); undefined: paths relative to the folder */
  prefix?: string;
  excludes: string[];
  files: SharedFile[];
}

/** What runs while STA shares one folder. */
interface Sharing {
  folder: SharedFolder;
  watcher: vscode.Disposable;
  prefix?: string;
  engine: Engine;
  announce: string;
}

export class WorkspaceShares extends Disposable {
  /** by catalog path: one entry per path, as the catalog keeps them */
  private readonly byPath = new Map<string, SharedEntry>();
  /** how many entries have each info-hash (the same content may be at several paths) */
  private readonly hashes = new Map<string, number>();
  /** by folder root */
  private readonly sharing = new Map<string, Sharing>();
  private readonly _onDidChange = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  /** a file is being hashed; undefined: hashing is over */
  /** a folder shared as one torrent stopped: a file in it changed after it was hashed */
  private readonly _onDidStopFolder = this.register(new vscode.EventEmitter<SharedEntry>());
  readonly onDidStopFolder = this._onDidStopFolder.event;
  private readonly _onDidChangeHashing = this.register(new vscode.EventEmitter<HashingProgress | undefined>());
  readonly onDidChangeHashing = this._onDidChangeHashing.event;

  constructor(private readonly log: Logger, private readonly cacheDir: string) {
    super();
    this.register(toDisposable(() => this.clear()));
  }

  get size(): number {
    return this.byPath.size;
  }

  has(infoHash: string): boolean {
    return this.hashes.has(infoHash);
  }

  get(infoHash: string): SharedEntry | undefined {
    if (!this.has(infoHash)) return undefined;
    for (const e of this.byPath.values()) if (e.meta.infoHashHex === infoHash) return e;
    return undefined;
  }

  /** The info-hash of what is shared at `catalogPath`. */
  infoHashAt(catalogPath: string): string | undefined {
    return this.byPath.get(catalogPath)?.meta.infoHashHex;
  }

  entries(): SharedEntry[] {
    return [...this.byPath.values()];
  }

  /** The folders being shared, and the prefix of each one's catalog paths. */
  folders(): { root: string; prefix?: string }[] {
    return [...this.sharing].map(([root, s]) => ({ root, prefix: s.prefix }));
  }

  /** The files of `root` Start would share: a scan, nothing hashed. */
  scan(root: string, excludes: string[]): Promise<SharedFile[]> {
    return new Repository({ root, excludes }).scan();
  }

  /**
   * Seeds the files of `f` through `engine`, announcing them to `announceUrl`, and from then on what the
   * watcher reports (created, changed, renamed, deleted) until `unshareFolder` or `clear`; `signal` ends the first pass.
   */
  async shareFolder(engine: Engine, f: FolderToShare, announceUrl: string, signal: AbortSignal): Promise<void> {
    const { root, prefix } = f;
    if (this.sharing.has(root)) return;
    const { cacheDir, log: logger } = this;
    const folder = new SharedFolder({ engine, root, excludes: f.excludes, cacheDir, trackers: [announceUrl], logger, catalogPrefix: prefix });
    const live = () => this.sharing.get(root)?.folder === folder;
    const catalogPath = (rel: string) => (prefix ? `${prefix}/${rel}` : rel);
    folder.on('shared', (entry) => {
      // published just as its folder was withdrawn: withdrawn too
      if (!live()) return void this.stopSeeding(engine, [entry.meta.infoHashHex]);
      this.add({ ...entry, root, catalogPath: catalogPath(entry.relPath) });
    });
    folder.on('unshared', (rel) => live() && this.forget(catalogPath(rel)) && this._onDidChange.fire());
    folder.on('hashing', (h) => live() && this._onDidChangeHashing.fire(h && { ...h, relPath: catalogPath(h.relPath) }));
    // watching before the first pass: a file written meanwhile is not missed
    this.sharing.set(root, { folder, watcher: this.watch(folder, root), prefix, engine, announce: announceUrl });
    await folder.shareAll(f.files, signal);
  }

  /** The folder left the workspace (or its catalog paths change): nothing of it is watched, listed or seeded any more. */
  async unshareFolder(root: string): Promise<void> {
    const s = this.sharing.get(root);
    if (!s) return;
    this.sharing.delete(root);
    s.watcher.dispose();
    await s.folder.close(); // its metainfo cache written
    const gone = [...this.byPath.values()].filter((e) => e.root === root);
    for (const e of gone) this.forget(e.catalogPath);
    this._onDidChange.fire();
    // `stopped` announces: the tracker drops them from the catalog
    await this.stopSeeding(s.engine, gone.map((e) => e.meta.infoHashHex));
    this.log.info(`no longer sharing ${root} (${gone.length} file${gone.length === 1 ? '' : 's'} withdrawn)`);
  }

  /** Stops the sessions of `hashes` that no other shared path still needs. */
  private async stopSeeding(engine: Engine, hashes: string[]): Promise<void> {
    for (const h of new Set(hashes)) if (!this.has(h)) await engine.remove(h).catch((e: Error) => this.log.warn(`could not stop ${h}: ${e.message}`));
  }

  private watch(folder: SharedFolder, root: string): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/*'));
    const rel = (uri: vscode.Uri) => relativePathIn(root, uri.fsPath) || undefined; // '' is the root itself
    watcher.onDidCreate((uri) => {
      const r = rel(uri);
      if (r) void this.created(folder, root, r);
    });
    watcher.onDidChange((uri) => {
      const r = rel(uri);
      if (r) folder.changed(r);
    });
    watcher.onDidDelete((uri) => {
      const r = rel(uri);
      if (r) folder.removed(r);
    });
    return watcher;
  }

  /** A file, or a folder whose files were not reported one by one (moved in, renamed). */
  private async created(folder: SharedFolder, root: string, rel: string): Promise<void> {
    folder.changed(rel);
    const dir = path.join(root, rel);
    if (!(await fsp.lstat(dir).catch(() => undefined))?.isDirectory()) return;
    let n = 0;
    try {
      for await (const d of await fsp.opendir(dir, { recursive: true })) {
        if (!d.isFile()) continue;
        folder.changed(relativePathIn(root, path.join(d.parentPath ?? d.path, d.name))!);
        if (++n >= MAX_FILES_IN_NEW_FOLDER) break;
      }
    } catch (e) {
      this.log.warn(`could not list ${rel}: ${(e as Error).message}`);
    }
  }

  /** The shared folder `file` is in (the innermost, when folders nest). */
  private folderOf(file: string): { root: string; s: Sharing; rel: string } | undefined {
    let best: { root: string; s: Sharing; rel: string } | undefined;
    for (const [root, s] of this.sharing) {
      const rel = relativePathIn(root, file);
      if (rel && (!best || root.length > best.root.length)) best = { root, s, rel };
    }
    return best;
  }

  /** Shares one more workspace file, excluded or not, never a secret (Explorer: Share via STA). */
  async shareFile(file: string): Promise<SharedEntry> {
    if (this.sharing.size === 0) throw new Error(vscode.l10n.t('STA is not running; run STA: Start first.'));
    const f = this.folderOf(file);
    if (!f) throw new Error(vscode.l10n.t('{0} is outside the workspace folders; STA shares only workspace files.', file));
    const e = await f.s.folder.shareFile(file);
    return this.byPath.get(f.s.prefix ? `${f.s.prefix}/${e.relPath}` : e.relPath) ?? { ...e, root: f.root, catalogPath: e.relPath };
  }

  /** Where `dir` is published as one torrent: its catalog path (its workspace-relative path) and the tracker its folder announces to. */
  folderTarget(dir: string): { root: string; rel: string; catalogPath: string; announce: string } {
    if (this.sharing.size === 0) throw new Error(vscode.l10n.t('STA is not running; run STA: Start first.'));
    const s = this.sharing.get(dir);
    // a workspace folder itself: published under its name
    const f = s ? { root: dir, s, rel: '' } : this.folderOf(dir);
    if (!f) throw new Error(vscode.l10n.t('{0} is outside the workspace folders; STA shares only workspace files.', dir));
    const prefix = f.s.prefix;
    const catalogPath = f.rel ? (prefix ? `${prefix}/${f.rel}` : f.rel) : (prefix ?? path.basename(dir));
    return { root: f.root, rel: f.rel, catalogPath, announce: f.s.announce };
  }

  /** Seeds `dir` as the one torrent `meta` (hashed from it just now) and lists it; a changed file stops it (never served stale). */
  async seedFolderAsOne(dir: string, meta: Metainfo): Promise<SharedEntry> {
    const t = this.folderTarget(dir);
    const engine = this.sharing.get(t.root)!.engine;
    const session = await engine.seed(dir, { meta, verify: false, catalogPath: t.catalogPath });
    const old = this.byPath.get(t.catalogPath);
    const entry = this.add({ path: dir, relPath: t.rel, size: meta.length, meta, root: t.root, catalogPath: t.catalogPath, files: meta.files.length });
    if (old && old.meta.infoHashHex !== meta.infoHashHex) await this.stopSeeding(engine, [old.meta.infoHashHex]);
    session.once('stale', (reason) => {
      this.log.warn(`stopped sharing ${dir} as one torrent: ${reason}`);
      if (this.byPath.get(entry.catalogPath) !== entry) return;
      entry.stopped = reason;
      this._onDidChange.fire();
      this._onDidStopFolder.fire(entry);
    });
    return entry;
  }

  /** A finished download is seeded from the workspace: Shared lists it like any shared file. */
  addDownloaded(file: string, meta: Metainfo): void {
    const f = this.folderOf(file);
    if (!f) return;
    const catalogPath = f.s.prefix ? `${f.s.prefix}/${f.rel}` : f.rel;
    if (this.byPath.get(catalogPath)?.meta.infoHashHex === meta.infoHashHex) return;
    this.forget(catalogPath);
    this.add({ path: file, relPath: f.rel, size: meta.length, meta, root: f.root, catalogPath });
  }

  private add(entry: SharedEntry): SharedEntry {
    this.forget(entry.catalogPath);
    this.byPath.set(entry.catalogPath, entry);
    const h = entry.meta.infoHashHex;
    this.hashes.set(h, (this.hashes.get(h) ?? 0) + 1);
    this._onDidChange.fire();
    return entry;
  }

  /** Drops the entry at `catalogPath`; true when there was one. */
  private forget(catalogPath: string): boolean {
    const e = this.byPath.get(catalogPath);
    if (!e) return false;
    this.byPath.delete(catalogPath);
    const h = e.meta.infoHashHex;
    const n = (this.hashes.get(h) ?? 1) - 1;
    if (n > 0) this.hashes.set(h, n);
    else this.hashes.delete(h);
    return true;
  }

  /** STA stopped: nothing is watched or shared any more (the engine's close stops the sessions). */
  clear(): void {
    for (const s of this.sharing.values()) {
      s.watcher.dispose();
      void s.folder.close(); // writes its metainfo cache in the background
    }
    this.sharing.clear();
    this.byPath.clear();
    this.hashes.clear();
    this._onDidChange.fire();
  }
}
