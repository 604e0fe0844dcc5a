// STA on or off: the checks before it starts, the tracker probe, the one Engine of the workspace,
// and the models that live while it runs (what it shares, the catalog, the transfers).
import * as vscode from 'vscode';
import { announceUrlOf, Engine, type Logger } from '../../core/api';
import { Disposable, toDisposable } from '../lifecycle';
import { readSettings, type StaSettings } from '../settings';
import { CatalogModel } from './catalogModel';
import { probeTracker } from './trackerProbe';
import { Transfers } from './transfers';
import { workspaceFolder } from './workspaceFolder';
import { WorkspaceShares } from './workspaceShares';

export class StartError extends Error {
  constructor(readonly kind: 'untrusted' | 'noWorkspace' | 'trackerUnreachable' | 'portInUse' | 'other', message: string) {
    super(message);
  }
}

export class StaService extends Disposable {
  readonly shares: WorkspaceShares;
  readonly catalog = this.register(new CatalogModel());
  readonly transfers: Transfers;
  private engine?: Engine;
  /** the tracker URL of the last start */
  private startedWith?: string;
  private starting?: Promise<void>;
  private readonly _onDidChangeRunning = this.register(new vscode.EventEmitter<boolean>());
  readonly onDidChangeRunning = this._onDidChangeRunning.event;

  constructor(private readonly log: Logger, metainfoCacheDir: string) {
    super();
    this.shares = this.register(new WorkspaceShares(log, metainfoCacheDir));
    this.transfers = this.register(new Transfers(this.shares, this.catalog));
    this.register(toDisposable(() => void this.stop()));
  }

  get running(): boolean {
    return this.engine !== undefined;
  }

  get listenPort(): number | undefined {
    return this.engine?.port;
  }

  get trackerUrl(): string | undefined {
    return this.startedWith;
  }

  /** Is this catalog file already in the workspace (shared or downloaded)? */
  hasLocally(infoHash: string): boolean {
    return this.shares.has(infoHash) || !!this.transfers.get(infoHash)?.done;
  }

  /** Starts once however many callers ask; resolves when the workspace's files are shared. */
  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.engine) return;
    if (!vscode.workspace.isTrusted) {
      const why = 'it would share this workspace\'s files over the network. Trust the workspace to use it.';
      throw new StartError('untrusted', `STA stays off in Restricted Mode: ${why}`);
    }
    const folder = workspaceFolder();
    if (!folder) {
      throw new StartError(
        'noWorkspace',
        vscode.workspace.workspaceFolders?.length
          ? 'STA needs a folder on disk; this workspace\'s folders are not `file:` folders.'
          : 'Open a folder first: STA shares its files and downloads into it.',
      );
    }
    const settings = readSettings(folder.uri);
    let announce: string;
    try {
      announce = announceUrlOf(settings.trackerUrl);
    } catch (e) {
      throw new StartError('other', `The tracker URL setting is not valid: ${(e as Error).message}`);
    }
    let hasCatalog: boolean;
    try {
      ({ hasCatalog } = await probeTracker(announce));
    } catch (e) {
      throw new StartError('trackerUnreachable', `The tracker at ${announce} is unreachable: ${(e as Error).message}`);
    }
    const engine = await this.listen(settings, announce);
    this.engine = engine;
    this.startedWith = settings.trackerUrl;
    const root = folder.uri.fsPath;
    engine.on('session', (s) => s.on('published', () => this.catalog.refreshSoon()));
    this.transfers.attach(engine, root, settings.downloadFolder);
    this._onDidChangeRunning.fire(true);
    this.log.info(`started: workspace ${root}, tracker ${announce}, peers on port ${engine.port}`);
    this.catalog.start(settings.trackerUrl, hasCatalog, settings.catalogRefreshSeconds);
    await this.shares.shareWorkspace(engine, root, announce, settings.exclude);
  }

  private async listen(settings: StaSettings, announce: string): Promise<Engine> {
    const engine = new Engine({
      host: settings.bindAddress,
      port: settings.listenPort,
      trackers: [announce],
      logger: this.log,
      maxPeersPerTorrent: settings.maxPeersPerFile,
      uploadSlots: settings.uploadSlots,
      maxUploadRate: settings.maxUploadRateKiB > 0 ? settings.maxUploadRateKiB * 1024 : undefined,
    });
    try {
      await engine.listen();
      return engine;
    } catch (e) {
      await engine.close();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new StartError('portInUse', `Port ${settings.listenPort} is already in use.`);
      throw new StartError('other', `STA could not listen on ${settings.bindAddress}:${settings.listenPort}: ${(e as Error).message}`);
    }
  }

  /** Announces `stopped`, closes every socket; partial downloads stay on disk for resume. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => {});
    const engine = this.engine;
    if (!engine) return;
    this.engine = undefined;
    this.catalog.stop();
    await engine.close();
    this.shares.clear();
    this.transfers.detach();
    this.log.info('stopped');
    this._onDidChangeRunning.fire(false);
  }
}
