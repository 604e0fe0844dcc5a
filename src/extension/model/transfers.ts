// Transfers: each download, and each upload of a shared file once a peer takes something, with its progress.
// Unfinished downloads are journaled: after a window reload they are back, and resume when STA starts.
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import type { CatalogFileJson, Engine, Metainfo, SeedingStopped, SessionProgress, TorrentSession } from '../../core/api';
import { Disposable } from '../lifecycle';
import type { CatalogModel } from './catalogModel';
import { DownloadSeeding } from './downloadSeeding';
import { downloadDirIn, type DownloadFolders, type Landing, landingOf } from './downloadPlaces';
import { globsOfPaths } from './fileSelection';
import { pathParts } from './pathTree';
import { type DownloadTarget, type OnExisting, restored, type TransferJournal } from './transferJournal';
import type { WorkspaceShares } from './workspaceShares';

/** Landings kept at most: twice a full catalog. */
const MAX_LANDINGS_KEPT = 20_000;

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
  /** a finished download that reached a seeding limit: "Seeding stopped (ratio 2.0 reached)" */
  seedingStopped?: string;
}

export class Transfers extends Disposable {
  private readonly byInfoHash = new Map<string, Transfer>();
  /** downloads being opened again (Resume, Start), so two callers open one */
  private readonly reopening = new Map<string, Promise<void>>();
  private engine?: Engine;
  /** landings worked out for the folders as they were (Tracker Files asks again at every refresh) */
  private landings: { where?: DownloadFolders; byPath: Map<string, Landing | undefined> } = { byPath: new Map() };
  /** a transfer changed (undefined: the list itself changed) */
  private readonly _onDidChange = this.register(new vscode.EventEmitter<Transfer | undefined>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidFinish = this.register(new vscode.EventEmitter<Transfer>());
  readonly onDidFinish = this._onDidFinish.event;
  private readonly seeding = new DownloadSeeding();

  /** `where`: the window's folders downloads go to, as they are now */
  constructor(
    private readonly shares: WorkspaceShares,
    private readonly catalog: CatalogModel,
    private readonly journal: TransferJournal,
    private readonly where: () => DownloadFolders,
  ) {
    super();
    for (const e of journal.entries()) this.byInfoHash.set(e.meta.infoHashHex, restored(e));
  }

  get(infoHash: string): Transfer | undefined {
    return this.byInfoHash.get(infoHash);
  }

  values(): Transfer[] {
    return [...this.byInfoHash.values()];
  }

  /** STA started: downloads go through `engine` into the workspace's folders; unfinished ones resume. */
  attach(engine: Engine): void {
    this.engine = engine;
    engine.on('session', (s) => this.watch(s));
    for (const t of this.values()) {
      if (t.kind === 'download' && !t.done && !t.paused && !t.session && !t.error) void this.reopen(t).catch(() => {});
    }
  }

  /** Where a catalog file lands (its catalog path kept, under the folder it names or the first); undefined: nowhere. */
  landing(file: CatalogFileJson): Landing | undefined {
    const where = this.where();
    if (where !== this.landings.where || this.landings.byPath.size > MAX_LANDINGS_KEPT) this.landings = { where, byPath: new Map() };
    const key = `${file.path}\n${file.name}`;
    if (this.landings.byPath.has(key)) return this.landings.byPath.get(key);
    let landing: Landing | undefined;
    try {
      landing = this.landingOf(file);
    } catch {
      landing = undefined;
    }
    this.landings.byPath.set(key, landing);
    return landing;
  }

  private landingOf(file: CatalogFileJson): Landing {
    const at = file.path || file.name;
    // the tracker checks this on publish; a catalog that lies about a file's name gets nothing saved
    if (pathParts(at).pop() !== file.name) throw new Error(`${at} does not end in the file's name ${file.name}: not saved`);
    return landingOf(at, this.where(), vscode.l10n);
  }

  /** A transfer of this torrent that is running (or paused), not failed: asking for it again changes nothing. */
  running(infoHash: string): Transfer | undefined {
    const t = this.byInfoHash.get(infoHash);
    return t && t.session && t.progress.state !== 'failed' ? t : undefined;
  }

  /**
   * Downloads a catalog file to its catalog path; `update` replaces an older version there, reusing what matches.
   * `select`: the files picked of a folder torrent (paths inside it); `meta`: its metainfo when already fetched.
   */
  async request(file: CatalogFileJson, onExisting: OnExisting = 'refuse', select?: string[], meta?: Metainfo): Promise<Transfer> {
    if (!this.engine) throw new Error('STA is not running; run STA: Start first.');
    const existing = this.running(file.infoHash);
    if (existing) return existing;
    const { root, folder, relPath, shownAs } = this.landingOf(file);
    return this.download(meta ?? (await this.catalog.metainfoOf(file.infoHash)), { root, folder, relPath, catalogPath: shownAs, onExisting, select });
  }

  /** Where a link's torrent (a magnet, a .torrent) lands: `at`, a catalog path of this workspace; throws, saying why, when nowhere. */
  landingAt(at: string): Landing {
    return landingOf(at, this.where(), vscode.l10n);
  }

  /** Downloads a link's torrent to `at` (see `landingAt`): a magnet's or a .torrent's, with no catalog entry needed. */
  async requestTorrent(meta: Metainfo, at: string, onExisting: OnExisting = 'refuse', select?: string[]): Promise<Transfer> {
    if (!this.engine) throw new Error('STA is not running; run STA: Start first.');
    const existing = this.running(meta.infoHashHex);
    if (existing) return existing;
    const { root, folder, relPath, shownAs } = this.landingAt(at);
    return this.download(meta, { root, folder, relPath, catalogPath: shownAs, onExisting, ownTrackers: true, select });
  }

  private async download(meta: Metainfo, target: DownloadTarget): Promise<Transfer> {
    const engine = this.engine!;
    const { folders } = this.where();
    // journaled before multi-root: the first folder; a folder that left the window is not written to
    const root = target.root ?? folders[0]?.root;
    if (!root || !folders.some((f) => f.root === root)) throw new Error(`${root ?? 'its folder'} is no longer a folder of this workspace`);
    const dir = downloadDirIn(root, target.folder, vscode.l10n);
    await fsp.mkdir(dir, { recursive: true });
    const { onExisting, relPath, catalogPath } = target;
    const trackers = target.ownTrackers ? meta.announceList.flat().filter((u) => /^https?:\/\//i.test(u)) : undefined;
    const session = await engine.download(meta, dir, { onExisting, relPath, catalogPath, trackers, select: target.select && globsOfPaths(target.select) });
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
      await this.download(t.meta, t.target ?? { folder: this.where().folders[0]?.downloadFolder ?? '', onExisting: 'refuse' });
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
      this.retireReplaced(t);
      this._onDidChange.fire(t);
      this._onDidFinish.fire(t);
    });
    if (kind === 'download') this.seeding.watch(session, (stopped) => void this.seedingDone(t, stopped));
    this._onDidChange.fire(undefined);
    if (t.done && kind === 'download') {
      this.journal.remove(t.infoHash);
      this.shares.addDownloaded(t.path!, t.meta);
      queueMicrotask(() => this._onDidFinish.fire(t));
    }
    return t;
  }

  /** An update finished in place: an older finished download at the same path is gone from disk, so its row and seed go too. */
  private retireReplaced(t: Transfer): void {
    for (const [k, old] of this.byInfoHash) {
      if (old === t || old.kind !== 'download' || !old.done || old.path !== t.path) continue;
      this.byInfoHash.delete(k);
      this.seeding.forget(k);
      void this.engine?.remove(k);
    }
  }

  /** A seeding limit was reached: the download stops seeding (its file stays) and its row says why; Resume seeds it again. */
  private async seedingDone(t: Transfer, stopped: SeedingStopped): Promise<void> {
    t.seedingStopped = vscode.l10n.t('Seeding stopped ({0})', stopped.text);
    await this.engine?.remove(t.infoHash);
    t.session = undefined;
    this._onDidChange.fire(t);
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
    current.seedingStopped = undefined;
    this.remember(current);
    if (current.session && current.progress.state !== 'failed') return current.session.start();
    await this.reopen(current);
  }

  async cancel(t: Transfer): Promise<void> {
    this.byInfoHash.delete(t.infoHash);
    this.seeding.forget(t.infoHash);
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
    this.seeding.clear();
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
