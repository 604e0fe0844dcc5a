// What this workspace shares: its files (minus excluded ones), those shared one by one, and finished downloads.
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { type Engine, isSecretPath, type Logger, type Metainfo, Repository, type SharedFile } from '../../core/api';
import { Disposable } from '../lifecycle';
import { relativePathIn } from './workspaceFolder';

export interface SharedEntry {
  path: string;
  relPath: string;
  size: number;
  meta: Metainfo;
}

/** Hashing the workspace's files: which one (0-based) of how many. */
export interface HashingProgress {
  index: number;
  total: number;
  relPath: string;
}

interface Sharing {
  engine: Engine;
  root: string;
  announceUrl: string;
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

  /** Seeds `files` of `root` through `engine`, announcing them to `announceUrl`; `signal` ends the pass at once. */
  async shareWorkspace(engine: Engine, root: string, announceUrl: string, files: SharedFile[], signal: AbortSignal): Promise<void> {
    const sharing = (this.sharing = { engine, root, announceUrl });
    const repo = new Repository({ root, cacheDir: this.cacheDir });
    try {
      for (const [index, f] of files.entries()) {
        if (this.sharing !== sharing || signal.aborted) return;
        this._onDidChangeHashing.fire({ index, total: files.length, relPath: f.relPath });
        await this.shareOne(repo, f, signal);
      }
    } finally {
      if (files.length > 0) this._onDidChangeHashing.fire(undefined);
    }
  }

  /** Shares one more workspace file, excluded or not (Explorer: Share via STA). */
  async shareFile(file: string): Promise<SharedEntry> {
    if (!this.sharing) throw new Error('STA is not running; run STA: Start first.');
    const { root } = this.sharing;
    const rel = relativePathIn(root, file);
    if (rel === undefined) throw new Error(`${file} is outside the workspace folder; STA shares only workspace files.`);
    const st = await fsp.stat(file);
    if (!st.isFile()) throw new Error(`${rel} is not a file.`);
    if (st.size === 0) throw new Error(`${rel} is empty; there is nothing to share.`);
    if (isSecretPath(rel)) throw new Error(`${rel} looks like a key, credentials or a .env file: STA never shares those.`);
    const repo = new Repository({ root, excludes: [], cacheDir: this.cacheDir });
    const entry = await this.shareOne(repo, { path: file, relPath: rel, size: st.size, mtimeMs: st.mtimeMs });
    if (!entry) throw new Error(`Could not share ${rel}; see the STA log.`);
    return entry;
  }

  private async shareOne(repo: Repository, f: SharedFile, signal?: AbortSignal): Promise<SharedEntry | undefined> {
    const sharing = this.sharing;
    if (!sharing) return undefined;
    try {
      const meta = await repo.metainfo(f, [sharing.announceUrl], signal);
      if (this.sharing !== sharing) return undefined;
      await sharing.engine.seed(f.path, { meta, catalogPath: f.relPath });
      return this.add({ path: f.path, relPath: f.relPath, size: f.size, meta });
    } catch (e) {
      if (signal?.aborted) return undefined; // STA stopped mid-file: nothing went wrong
      this.log.warn(`could not share ${f.relPath}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** A finished download is seeded from the workspace: Shared lists it like any shared file. */
  addDownloaded(file: string, meta: Metainfo): void {
    const relPath = this.sharing && relativePathIn(this.sharing.root, file);
    if (relPath === undefined || this.byInfoHash.has(meta.infoHashHex)) return;
    this.add({ path: file, relPath, size: meta.length, meta });
  }

  private add(entry: SharedEntry): SharedEntry {
    this.byInfoHash.set(entry.meta.infoHashHex, entry);
    this._onDidChange.fire();
    return entry;
  }

  /** STA stopped: nothing is shared any more. */
  clear(): void {
    this.sharing = undefined;
    this.byInfoHash.clear();
    this._onDidChange.fire();
  }
}
