// Transfers: each download, and each upload of a shared file once a peer takes something, with its progress.
// Unfinished downloads are journaled: after a window reload they are back, and resume when STA starts.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CatalogFileJson, Engine, Metainfo, SessionProgress, TorrentSession } from '../../core/api';
import { Disposable } from '../lifecycle';
import type { CatalogModel } from './catalogModel';
import type { DownloadTarget, JournalEntry, OnExisting, TransferJournal } from './transferJournal';
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
  /** downloads: where it goes, so it can start again after a Stop or a reload */
  target?: DownloadTarget;
  /** paused by the user: Start does not resume it */
  paused: boolean;
}

export class Transfers extends Disposable {
  private readonly byInfoHash = new Map<string, Transfer>();
  /** downloads being opened again (Resume, Start), so two callers open one */
  private readonly reopening = new Map<string, Promise<void>>();
  private engine?: Engine;
  private downloads?: { root: string; folder: string };
  /** a transfer changed (undefined: the list itself changed) */
  private readonly _onDidChange = this.register(new vscode.EventEmitter<Transfer | undefined>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidFinish = this.register(new vscode.EventEmitter<Transfer>());
  readonly onDidFinish = this._onDidFinish.event;

  constructor(private readonly shares: WorkspaceShares, private readonly catalog: CatalogModel, private readonly journal: TransferJournal) {
    super();
    for (const e of journal.entries()) this.byInfoHash.set(e.meta.infoHashHex, restored(e));
  }

  get(infoHash: string): Transfer | undefined {
    return this.byInfoHash.get(infoHash);
  }

  values(): Transfer[] {
    return [...this.byInfoHash.values()];
  }

  /** STA started: downloads go through `engine` into the `sta.downloadFolder` of the workspace at `root`; unfinished ones resume. */
  attach(engine: Engine, root: string, downloadFolder: string): void {
    this.engine = engine;
    this.downloads = { root, folder: downloadFolder };
    engine.on('session', (s) => this.watch(s));
    for (const t of this.values()) {
      if (t.kind === 'download' && !t.done && !t.paused && !t.session && !t.error) void this.reopen(t).catch(() => {});
    }
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
    return this.download(await this.catalog.metainfoOf(file.infoHash), { folder: this.downloads!.folder, onExisting });
  }

  private async download(meta: Metainfo, target: DownloadTarget): Promise<Transfer> {
    const engine = this.engine!;
    const dir = downloadDirIn(this.downloads!.root, target.folder);
    await fsp.mkdir(dir, { recursive: true });
    const session = await engine.download(meta, dir, { onExisting: target.onExisting });
    const known = this.byInfoHash.get(meta.infoHashHex);
    return known?.session === session ? known : this.track(session, 'download', target);
  }

  /** Opens a download again from what is verified on disk; a failure shows on its row. */
  private reopen(t: Transfer): Promise<void> {
    let p = this.reopening.get(t.infoHash);
    if (!p) {
      p = this.reopenNow(t).finally(() => this.reopening.delete(t.infoHash));
      this.reopening.set(t.infoHash, p);
    }
    return p;
  }

  private async reopenNow(t: Transfer): Promise<void> {
    try {
      if (!this.engine) throw new Error('STA is not running; run STA: Start first.');
      // a failed session gives way; without one, a seed of the same content (a shared file) is kept
      if (t.session) await this.engine.remove(t.infoHash);
      await this.download(t.meta, t.target ?? { folder: this.downloads!.folder, onExisting: 'refuse' });
    } catch (e) {
      t.error = (e as Error).message;
      t.progress = { ...t.progress, state: 'failed' };
      this._onDidChange.fire(t);
      throw e;
    }
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

  private track(session: TorrentSession, kind: Transfer['kind'], target?: DownloadTarget): Transfer {
    const t: Transfer = {
      infoHash: session.infoHashHex,
      name: session.meta.name,
      kind,
      meta: session.meta,
      session,
      progress: session.progress(),
      done: session.complete,
      path: session.complete ? session.store.finalPath : undefined,
      target,
      paused: false,
    };
    this.byInfoHash.set(t.infoHash, t);
    this.remember(t);
    session.on('progress', (p) => {
      t.progress = p;
      this._onDidChange.fire(t);
    });
    session.on('state', (state, reason) => {
      if (state === 'failed') t.error = reason;
      t.progress = session.progress();
      this.remember(t);
      this._onDidChange.fire(t);
    });
    session.on('done', (p) => {
      t.done = true;
      t.path = p;
      t.progress = session.progress();
      this.journal.remove(t.infoHash);
      this.shares.addDownloaded(p, t.meta);
      this._onDidChange.fire(t);
      this._onDidFinish.fire(t);
    });
    this._onDidChange.fire(undefined);
    if (t.done && kind === 'download') {
      this.journal.remove(t.infoHash);
      this.shares.addDownloaded(t.path!, t.meta);
      queueMicrotask(() => this._onDidFinish.fire(t));
    }
    return t;
  }

  async pause(t: Transfer): Promise<void> {
    t.paused = true;
    await t.session?.stop('paused');
    this.remember(t);
  }

  /** Resumes a paused transfer; one stopped with STA or a reload, or failed, starts over from what is verified on disk. */
  async resume(t: Transfer): Promise<void> {
    const current = this.byInfoHash.get(t.infoHash) ?? t; // Start may have reopened it already
    current.paused = false;
    current.error = undefined;
    this.remember(current);
    if (current.session && current.progress.state !== 'failed') return current.session.start();
    await this.reopen(current);
  }

  async cancel(t: Transfer): Promise<void> {
    this.byInfoHash.delete(t.infoHash);
    this.journal.remove(t.infoHash);
    // uploads of shared files keep seeding; cancelling a download drops its partial data
    if (t.kind === 'download') await this.engine?.remove(t.infoHash, { discard: true });
    this._onDidChange.fire(undefined);
  }

  clearFinished(): void {
    for (const [k, t] of this.byInfoHash) {
      if (!t.done && t.progress.state !== 'failed') continue;
      this.byInfoHash.delete(k);
      this.journal.remove(k);
    }
    this._onDidChange.fire(undefined);
  }

  /** STA stopped: the sessions are gone; unfinished transfers show as stopped, ready to resume. */
  detach(): void {
    this.engine = undefined;
    this.downloads = undefined;
    for (const t of this.byInfoHash.values()) {
      t.session = undefined;
      if (t.done || t.progress.state === 'failed') continue;
      t.progress = { ...t.progress, state: t.paused ? 'paused' : 'stopped', downloadRate: 0, uploadRate: 0, peers: 0, eta: undefined };
      this.remember(t);
    }
    this._onDidChange.fire(undefined);
  }

  /** Journals an unfinished download as it is now (a cancelled one, still stopping, is not brought back). */
  private remember(t: Transfer): void {
    if (t.kind !== 'download' || t.done || !t.target || this.byInfoHash.get(t.infoHash) !== t) return;
    this.journal.record({ meta: t.meta, target: t.target, paused: t.paused, verifiedBytes: t.progress.verifiedBytes });
  }
}

/** A download from the journal, as its row shows before STA runs: stopped (or paused) at what it had verified. */
function restored(e: JournalEntry): Transfer {
  const { meta, verifiedBytes } = e;
  const progress: SessionProgress = {
    infoHash: meta.infoHashHex,
    name: meta.name,
    state: e.paused ? 'paused' : 'stopped',
    length: meta.length,
    verifiedBytes,
    pieces: Math.floor(verifiedBytes / meta.pieceLength),
    piecesTotal: meta.pieceCount,
    downloaded: 0,
    uploaded: 0,
    downloadRate: 0,
    uploadRate: 0,
    peers: 0,
  };
  return { infoHash: meta.infoHashHex, name: meta.name, kind: 'download', meta, progress, done: false, target: e.target, paused: e.paused };
}
