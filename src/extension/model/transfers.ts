// Transfers: each download, and each upload of a shared file once a peer takes something, with its progress.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CatalogFileJson, Engine, Metainfo, SessionProgress, TorrentSession } from '../../core/api';
import { Disposable } from '../lifecycle';
import type { CatalogModel } from './catalogModel';
import { downloadDirIn, relativePathIn } from './workspaceFolder';
import type { WorkspaceShares } from './workspaceShares';

export interface Transfer {
  infoHash: string;
  name: string;
  kind: 'download' | 'upload';
  meta: Metainfo;
  session?: TorrentSession;
  progress: SessionProgress;
  /** where the file is (downloads: once finished) */
  path?: string;
  error?: string;
  done: boolean;
}

/** What to do when a different file already has the download's name: refuse, or save beside it. */
type OnExisting = 'refuse' | 'suffix';

export class Transfers extends Disposable {
  private readonly byInfoHash = new Map<string, Transfer>();
  private engine?: Engine;
  private downloads?: { root: string; folder: string };
  /** a transfer changed (undefined: the list itself changed) */
  private readonly _onDidChange = this.register(new vscode.EventEmitter<Transfer | undefined>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidFinish = this.register(new vscode.EventEmitter<Transfer>());
  readonly onDidFinish = this._onDidFinish.event;

  constructor(private readonly shares: WorkspaceShares, private readonly catalog: CatalogModel) {
    super();
  }

  get(infoHash: string): Transfer | undefined {
    return this.byInfoHash.get(infoHash);
  }

  values(): Transfer[] {
    return [...this.byInfoHash.values()];
  }

  /** STA started: downloads go through `engine` into the `sta.downloadFolder` of the workspace at `root`. */
  attach(engine: Engine, root: string, downloadFolder: string): void {
    this.engine = engine;
    this.downloads = { root, folder: downloadFolder };
    engine.on('session', (s) => this.watch(s));
  }

  /** Where a download named `name` lands, relative to the workspace (downloads keep the torrent's name). */
  landingPath(name: string): string | undefined {
    // a name with a separator is refused on download; it lands nowhere
    if (!this.downloads || /[\\/]/.test(name) || name === '.' || name === '..') return undefined;
    const { root, folder } = this.downloads;
    try {
      return relativePathIn(root, path.join(downloadDirIn(root, folder), name));
    } catch {
      return undefined; // sta.downloadFolder points outside the workspace: Request says so
    }
  }

  /** Downloads a catalog file. */
  async request(file: CatalogFileJson, onExisting: OnExisting = 'refuse'): Promise<Transfer> {
    if (!this.engine) throw new Error('STA is not running; run STA: Start first.');
    const existing = this.byInfoHash.get(file.infoHash);
    if (existing && existing.session && existing.progress.state !== 'failed') return existing;
    return this.download(await this.catalog.metainfoOf(file.infoHash), onExisting);
  }

  private async download(meta: Metainfo, onExisting: OnExisting = 'refuse'): Promise<Transfer> {
    const engine = this.engine!;
    const dir = downloadDirIn(this.downloads!.root, this.downloads!.folder);
    await fsp.mkdir(dir, { recursive: true });
    const session = await engine.download(meta, dir, { onExisting });
    const known = this.byInfoHash.get(meta.infoHashHex);
    return known?.session === session ? known : this.track(session, 'download');
  }

  /** Uploads of shared files appear as transfers once a peer takes something. */
  private watch(session: TorrentSession): void {
    if (this.byInfoHash.has(session.infoHashHex)) return;
    const off = session.on('progress', (p) => {
      if (p.uploaded === 0 || this.byInfoHash.has(session.infoHashHex)) return;
      off();
      this.track(session, 'upload');
    });
  }

  private track(session: TorrentSession, kind: Transfer['kind']): Transfer {
    const t: Transfer = {
      infoHash: session.infoHashHex,
      name: session.meta.name,
      kind,
      meta: session.meta,
      session,
      progress: session.progress(),
      done: session.complete,
      path: session.complete ? session.store.finalPath : undefined,
    };
    this.byInfoHash.set(t.infoHash, t);
    session.on('progress', (p) => {
      t.progress = p;
      this._onDidChange.fire(t);
    });
    session.on('state', (state, reason) => {
      if (state === 'failed') t.error = reason;
      t.progress = session.progress();
      this._onDidChange.fire(t);
    });
    session.on('done', (p) => {
      t.done = true;
      t.path = p;
      t.progress = session.progress();
      this.shares.addDownloaded(p, t.meta);
      this._onDidChange.fire(t);
      this._onDidFinish.fire(t);
    });
    this._onDidChange.fire(undefined);
    if (t.done && kind === 'download') {
      this.shares.addDownloaded(t.path!, t.meta);
      queueMicrotask(() => this._onDidFinish.fire(t));
    }
    return t;
  }

  async pause(t: Transfer): Promise<void> {
    await t.session?.stop('paused');
  }

  /** Resumes a paused transfer; one stopped with STA, or failed, starts over from what is verified on disk. */
  async resume(t: Transfer): Promise<void> {
    t.error = undefined;
    if (t.session && t.progress.state !== 'failed') return t.session.start();
    this.byInfoHash.delete(t.infoHash);
    await this.engine?.remove(t.infoHash);
    await this.download(t.meta);
  }

  async cancel(t: Transfer): Promise<void> {
    this.byInfoHash.delete(t.infoHash);
    // uploads of shared files keep seeding; cancelling a download drops its partial data
    if (t.kind === 'download') await this.engine?.remove(t.infoHash, { discard: true });
    this._onDidChange.fire(undefined);
  }

  clearFinished(): void {
    for (const [k, t] of this.byInfoHash) if (t.done || t.progress.state === 'failed') this.byInfoHash.delete(k);
    this._onDidChange.fire(undefined);
  }

  /** STA stopped: the sessions are gone; unfinished transfers show as stopped, ready to resume. */
  detach(): void {
    this.engine = undefined;
    this.downloads = undefined;
    for (const t of this.byInfoHash.values()) {
      t.session = undefined;
      if (!t.done) t.progress = { ...t.progress, state: 'stopped', downloadRate: 0, uploadRate: 0, peers: 0, eta: undefined };
    }
    this._onDidChange.fire(undefined);
  }
}
