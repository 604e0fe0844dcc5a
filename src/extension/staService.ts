// The extension's model: one Engine for the workspace folder, what it shares, what the
// tracker's catalog lists, and the transfers. Views and commands read it and call it;
// it translates engine events into change events and nothing else.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { announceUrlOf, type CatalogFileJson, Engine, fetchCatalog, fetchTorrent, type Logger, Metainfo, parseTorrent, Repository, type SessionProgress, type TorrentSession, TrackerError } from '../core/api';
import { Disposable, toDisposable } from './lifecycle';
import { readSettings, StaSettings } from './settings';

export interface SharedEntry {
  path: string;
  relPath: string;
  size: number;
  meta: Metainfo;
}

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

export class StartError extends Error {
  constructor(readonly kind: 'untrusted' | 'noWorkspace' | 'trackerUnreachable' | 'portInUse' | 'other', message: string, readonly port?: number) {
    super(message);
  }
}

export class StaService extends Disposable {
  private engine?: Engine;
  private settings?: StaSettings;
  private catalogTimer?: NodeJS.Timeout;
  private starting?: Promise<void>;
  catalog: CatalogFileJson[] = [];
  catalogError?: string;
  /** true when the tracker answers announces but has no STA catalog */
  catalogUnsupported = false;
  readonly shared = new Map<string, SharedEntry>(); // by info-hash
  readonly transfers = new Map<string, Transfer>();

  private readonly _onDidChangeRunning = this.register(new vscode.EventEmitter<boolean>());
  readonly onDidChangeRunning = this._onDidChangeRunning.event;
  private readonly _onDidChangeCatalog = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCatalog = this._onDidChangeCatalog.event;
  private readonly _onDidChangeShared = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeShared = this._onDidChangeShared.event;
  /** a transfer changed (undefined: the list itself changed) */
  private readonly _onDidChangeTransfer = this.register(new vscode.EventEmitter<Transfer | undefined>());
  readonly onDidChangeTransfer = this._onDidChangeTransfer.event;
  private readonly _onDidFinishTransfer = this.register(new vscode.EventEmitter<Transfer>());
  readonly onDidFinishTransfer = this._onDidFinishTransfer.event;

  constructor(private readonly log: Logger, private readonly cacheDir: string) {
    super();
    this.register(toDisposable(() => void this.stop()));
  }

  get running(): boolean {
    return this.engine !== undefined;
  }

  get listenPort(): number | undefined {
    return this.engine?.port;
  }

  get trackerUrl(): string | undefined {
    return this.settings?.trackerUrl;
  }

  /** The workspace folder STA works in: the first `file:` folder. */
  static workspaceFolder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  }

  downloadDir(): string {
    const folder = StaService.workspaceFolder()!;
    const root = folder.uri.fsPath;
    const dir = path.resolve(root, this.settings?.downloadFolder ?? readSettings(folder.uri).downloadFolder);
    // the setting may not point outside the workspace
    if (dir !== root && !dir.startsWith(root + path.sep)) throw new Error(`sta.downloadFolder must be inside the workspace (${dir} is not)`);
    return dir;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.engine) return;
    if (!vscode.workspace.isTrusted) throw new StartError('untrusted', 'STA stays off in Restricted Mode: it would share this workspace\'s files over the network. Trust the workspace to use it.');
    const folder = StaService.workspaceFolder();
    if (!folder) {
      throw new StartError('noWorkspace', vscode.workspace.workspaceFolders?.length ? 'STA needs a folder on disk; this workspace\'s folders are not `file:` folders.' : 'Open a folder first: STA shares its files and downloads into it.');
    }
    const settings = readSettings(folder.uri);
    let announce: string;
    try {
      announce = announceUrlOf(settings.trackerUrl);
    } catch (e) {
      throw new StartError('other', `The tracker URL setting is not valid: ${(e as Error).message}`);
    }
    // is anybody there? an STA tracker answers /catalog; another tracker may 404 it
    try {
      await fetchCatalog(announce, 4000);
      this.catalogUnsupported = false;
    } catch (e) {
      if (!(e instanceof TrackerError) || /unreachable|did not answer/.test(e.message)) {
        throw new StartError('trackerUnreachable', `The tracker at ${announce} is unreachable: ${(e as Error).message}`);
      }
      this.catalogUnsupported = true;
    }
    const engine = new Engine({
      host: settings.bindAddress,
      port: settings.listenPort,
      trackers: [announce],
      logger: this.log,
      maxPeersPerTorrent: settings.maxPeersPerFile,
      uploadSlots: settings.uploadSlots,
      maxUploadRate: settings.maxUploadRateKiB > 0 ? settings.maxUploadRateKiB * 1024 : undefined,
      localAddress: settings.bindAddress === '127.0.0.1' ? '127.0.0.1' : undefined,
    });
    try {
      await engine.listen();
    } catch (e) {
      await engine.close();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new StartError('portInUse', `Port ${settings.listenPort} is already in use.`, settings.listenPort);
      throw new StartError('other', `STA could not listen on ${settings.bindAddress}:${settings.listenPort}: ${(e as Error).message}`);
    }
    this.engine = engine;
    this.settings = settings;
    engine.on('session', (s) => this.watch(s));
    this._onDidChangeRunning.fire(true);
    this.log.info(`started: workspace ${folder.uri.fsPath}, tracker ${announce}, peers on port ${engine.port}`);
    void this.refreshCatalog();
    this.scheduleCatalogRefresh();
    await this.shareWorkspace(folder, settings);
  }

  private scheduleCatalogRefresh(): void {
    const secs = this.settings?.catalogRefreshSeconds ?? 0;
    if (secs <= 0) return;
    this.catalogTimer = setInterval(() => void this.refreshCatalog(), secs * 1000);
    this.catalogTimer.unref();
  }

  private async shareWorkspace(folder: vscode.WorkspaceFolder, settings: StaSettings): Promise<void> {
    const repo = new Repository({ root: folder.uri.fsPath, excludes: settings.exclude, cacheDir: this.cacheDir });
    const files = await repo.scan();
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'STA: hashing shared files' }, async (progress) => {
      for (const [i, f] of files.entries()) {
        if (!this.engine) return;
        progress.report({ message: `${i + 1}/${files.length} ${f.relPath}` });
        await this.shareOne(repo, f);
      }
    });
  }

  private async shareOne(repo: Repository, f: { path: string; relPath: string; size: number; mtimeMs: number }): Promise<SharedEntry | undefined> {
    const engine = this.engine;
    if (!engine) return undefined;
    try {
      const meta = await repo.metainfo(f, [announceUrlOf(this.settings!.trackerUrl)]);
      if (!this.engine) return undefined;
      await engine.seed(f.path, { meta, catalogPath: f.relPath });
      const entry = { path: f.path, relPath: f.relPath, size: f.size, meta };
      this.shared.set(meta.infoHashHex, entry);
      this._onDidChangeShared.fire();
      return entry;
    } catch (e) {
      this.log.warn(`could not share ${f.relPath}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Shares one more file of the workspace (Explorer: Share via STA). */
  async shareFile(uri: vscode.Uri): Promise<SharedEntry> {
    if (!this.engine) await this.start();
    const folder = StaService.workspaceFolder()!;
    const rel = path.relative(folder.uri.fsPath, uri.fsPath);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${uri.fsPath} is outside the workspace folder; STA shares only workspace files.`);
    const st = await fsp.stat(uri.fsPath);
    if (!st.isFile()) throw new Error(`${rel} is not a file.`);
    if (st.size === 0) throw new Error(`${rel} is empty; there is nothing to share.`);
    const repo = new Repository({ root: folder.uri.fsPath, excludes: [], cacheDir: this.cacheDir });
    const entry = await this.shareOne(repo, { path: uri.fsPath, relPath: rel.split(path.sep).join('/'), size: st.size, mtimeMs: st.mtimeMs });
    if (!entry) throw new Error(`Could not share ${rel}; see the STA log.`);
    void this.refreshCatalog();
    return entry;
  }

  async refreshCatalog(): Promise<void> {
    if (!this.settings) return;
    try {
      this.catalog = await fetchCatalog(this.settings.trackerUrl, 5000);
      this.catalogError = undefined;
      this.catalogUnsupported = false;
    } catch (e) {
      this.catalogError = (e as Error).message;
      if (/HTTP 404/.test(this.catalogError)) this.catalogUnsupported = true;
    }
    this._onDidChangeCatalog.fire();
  }

  /** Is this catalog file already in the workspace (shared or downloaded)? */
  hasLocally(infoHash: string): boolean {
    return this.shared.has(infoHash) || !!this.transfers.get(infoHash)?.done;
  }

  /** Downloads a catalog file; `onExisting: 'suffix'` saves beside a different file of that name. */
  async request(file: CatalogFileJson, onExisting: 'refuse' | 'suffix' = 'refuse'): Promise<Transfer> {
    if (!this.engine || !this.settings) throw new Error('STA is not running; run STA: Start first.');
    const existing = this.transfers.get(file.infoHash);
    if (existing && existing.session && existing.progress.state !== 'failed') return existing;
    const meta = parseTorrent(await fetchTorrent(this.settings.trackerUrl, file.infoHash));
    return this.download(meta, onExisting);
  }

  async download(meta: Metainfo, onExisting: 'refuse' | 'suffix' = 'refuse'): Promise<Transfer> {
    const engine = this.engine!;
    const dir = this.downloadDir();
    await fsp.mkdir(dir, { recursive: true });
    const session = await engine.download(meta, dir, { onExisting });
    const known = this.transfers.get(meta.infoHashHex);
    return known?.session === session ? known : this.track(session, 'download');
  }

  private catalogSoon?: NodeJS.Timeout;

  /** Several files published at once cause one catalog read. */
  private refreshCatalogSoon(): void {
    this.catalogSoon ??= setTimeout(() => {
      this.catalogSoon = undefined;
      void this.refreshCatalog();
    }, 300);
  }

  private watch(session: TorrentSession): void {
    session.on('published', () => this.refreshCatalogSoon());
    // uploads of shared files appear as transfers once a peer takes something
    if (this.transfers.has(session.infoHashHex)) return;
    const off = session.on('progress', (p) => {
      if (p.uploaded === 0 || this.transfers.has(session.infoHashHex)) return;
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
    this.transfers.set(t.infoHash, t);
    session.on('progress', (p) => {
      t.progress = p;
      this._onDidChangeTransfer.fire(t);
    });
    session.on('state', (state, reason) => {
      if (state === 'failed') t.error = reason;
      t.progress = session.progress();
      this._onDidChangeTransfer.fire(t);
    });
    session.on('done', (p) => {
      t.done = true;
      t.path = p;
      t.progress = session.progress();
      this.markShared(t);
      this._onDidChangeTransfer.fire(t);
      this._onDidFinishTransfer.fire(t);
      this._onDidChangeCatalog.fire(); // the "in workspace" marks change
    });
    this._onDidChangeTransfer.fire(undefined);
    if (t.done && kind === 'download') {
      this.markShared(t);
      queueMicrotask(() => this._onDidFinishTransfer.fire(t));
    }
    return t;
  }

  /** A finished download is seeded from the workspace: Shared lists it like any shared file. */
  private markShared(t: Transfer): void {
    const folder = StaService.workspaceFolder();
    if (!folder || !t.path || this.shared.has(t.infoHash)) return;
    const relPath = path.relative(folder.uri.fsPath, t.path).split(path.sep).join('/');
    this.shared.set(t.infoHash, { path: t.path, relPath, size: t.meta.length, meta: t.meta });
    this._onDidChangeShared.fire();
  }

  async pause(t: Transfer): Promise<void> {
    await t.session?.stop('paused');
  }

  async resume(t: Transfer): Promise<void> {
    t.error = undefined;
    if (t.session && t.progress.state !== 'failed') return t.session.start();
    // stopped with STA, or failed: start over from what is verified on disk
    if (!this.engine) await this.start();
    this.transfers.delete(t.infoHash);
    await this.engine?.remove(t.infoHash);
    await this.download(t.meta);
  }

  async cancel(t: Transfer): Promise<void> {
    this.transfers.delete(t.infoHash);
    // uploads of shared files keep seeding; cancelling a download drops its partial data
    if (t.kind === 'download') await this.engine?.remove(t.infoHash, { discard: true });
    this._onDidChangeTransfer.fire(undefined);
  }

  clearFinished(): void {
    for (const [k, t] of this.transfers) if (t.done || t.progress.state === 'failed') this.transfers.delete(k);
    this._onDidChangeTransfer.fire(undefined);
  }

  /** Announces `stopped`, closes every socket; partial downloads stay on disk for resume. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => {});
    const engine = this.engine;
    if (!engine) return;
    this.engine = undefined;
    if (this.catalogTimer) clearInterval(this.catalogTimer);
    this.catalogTimer = undefined;
    if (this.catalogSoon) clearTimeout(this.catalogSoon);
    this.catalogSoon = undefined;
    await engine.close();
    this.shared.clear();
    for (const t of this.transfers.values()) {
      t.session = undefined;
      if (!t.done) t.progress = { ...t.progress, state: 'stopped', downloadRate: 0, uploadRate: 0, peers: 0, eta: undefined };
    }
    this.log.info('stopped');
    this._onDidChangeRunning.fire(false);
    this._onDidChangeShared.fire();
    this._onDidChangeTransfer.fire(undefined);
  }
}
