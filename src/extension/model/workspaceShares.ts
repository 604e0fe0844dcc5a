// What this workspace shares: its files (minus excluded and secret ones), kept current while STA runs by VS
// Code's file watcher feeding core's SharedFolder; files shared one by one; finished downloads.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type Engine, type HashingProgress, type Logger, type Metainfo, Repository, SharedFolder, type SharedFile } from '../../core/api';
import type { SharedFolderEntry } from '../../core/api';
import { Disposable, toDisposable } from '../lifecycle';
import { relativePathIn } from './workspaceFolder';

export type SharedEntry = SharedFolderEntry;
export type { HashingProgress };

/** A folder created or moved in is reported alone: at most this many files under it are looked at. */
const MAX_FILES_IN_NEW_FOLDER = 10_000;

/** What runs while STA shares the workspace. */
interface Sharing {
  folder: SharedFolder;
  watcher: vscode.Disposable;
}

export class WorkspaceShares extends Disposable {
  private readonly byInfoHash = new Map<string, SharedEntry>();
  private sharing?: Sharing;
  private readonly _onDidChange = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  /** a file is being hashed; undefined: hashing is over */
  private readonly _onDidChangeHashing = this.register(new vscode.EventEmitter<HashingProgress | undefined>());
  readonly onDidChangeHashing = this._onDidChangeHashing.event;

  constructor(private readonly log: Logger, private readonly cacheDir: string) {
    super();
    this.register(toDisposable(() => this.clear()));
  }

  get size(): number {
    return this.byInfoHash.size;
  }

  has(infoHash: string): boolean {
    return this.byInfoHash.has(infoHash);
  }

  get(infoHash: string): SharedEntry | undefined {
    return this.byInfoHash.get(infoHash);
  }

  entries(): SharedEntry[] {
    return [...this.byInfoHash.values()];
  }

  /** The files of `root` Start would share: a scan, nothing hashed. */
  scan(root: string, excludes: string[]): Promise<SharedFile[]> {
    return new Repository({ root, excludes }).scan();
  }

  /**
   * Seeds `files` of `root` through `engine`, announcing them to `announceUrl`, and from then on what the
   * watcher reports (created, changed, renamed, deleted) until `clear`; `signal` ends the first pass.
   */
  async shareWorkspace(engine: Engine, root: string, announceUrl: string, excludes: string[], files: SharedFile[], signal: AbortSignal): Promise<void> {
    const folder = new SharedFolder({ engine, root, excludes, cacheDir: this.cacheDir, trackers: [announceUrl], logger: this.log });
    const live = () => this.sharing?.folder === folder;
    folder.on('shared', (entry, previous) => {
      if (!live()) return;
      if (previous) this.byInfoHash.delete(previous);
      this.add(entry);
    });
    folder.on('unshared', (_rel, infoHash) => live() && this.byInfoHash.delete(infoHash) && this._onDidChange.fire());
    folder.on('hashing', (h) => live() && this._onDidChangeHashing.fire(h));
    // watching before the first pass: a file written meanwhile is not missed
    this.sharing = { folder, watcher: this.watch(folder, root) };
    await folder.shareAll(files, signal);
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

  /** Shares one more workspace file, excluded or not, never a secret (Explorer: Share via STA). */
  async shareFile(file: string): Promise<SharedEntry> {
    if (!this.sharing) throw new Error('STA is not running; run STA: Start first.');
    const rel = relativePathIn(this.sharing.folder.root, file);
    if (!rel) throw new Error(`${file} is outside the workspace folder; STA shares only workspace files.`);
    return this.sharing.folder.shareFile(file);
  }

  /** A finished download is seeded from the workspace: Shared lists it like any shared file. */
  addDownloaded(file: string, meta: Metainfo): void {
    const relPath = this.sharing && relativePathIn(this.sharing.folder.root, file);
    if (relPath === undefined || this.byInfoHash.has(meta.infoHashHex)) return;
    this.add({ path: file, relPath, size: meta.length, meta });
  }

  private add(entry: SharedEntry): SharedEntry {
    this.byInfoHash.set(entry.meta.infoHashHex, entry);
    this._onDidChange.fire();
    return entry;
  }

  /** STA stopped: nothing is watched or shared any more. */
  clear(): void {
    this.sharing?.watcher.dispose();
    this.sharing?.folder.close();
    this.sharing = undefined;
    this.byInfoHash.clear();
    this._onDidChange.fire();
  }
}
