// STA on or off: the checks before it starts (trust, folder, tracker, the first-Start question), the
// one Engine of the workspace, and the models that live while it runs (shares, catalog, transfers).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Engine, type Logger, redact, withoutTeamKey } from '../../core/api';
import { Disposable, toDisposable } from '../lifecycle';
import { readSettings, type StaSettings } from '../settings';
import type { SharePlan } from '../shareConsent';
import type { TeamKeys } from '../teamKeys';
import { CatalogModel } from './catalogModel';
import { needsTeamKey, probeTracker } from './trackerProbe';
import { TransferJournal } from './transferJournal';
import { Transfers } from './transfers';
import { workspaceFolder } from './workspaceFolder';
import { WorkspaceShares } from './workspaceShares';

export class StartError extends Error {
  constructor(readonly kind: 'untrusted' | 'noWorkspace' | 'trackerUnreachable' | 'teamKey' | 'portInUse' | 'cancelled' | 'other', message: string) {
    super(message);
  }
}

/** Whoever answers "share these files with this tracker?" (the first-Start question). */
export interface Consent {
  confirm(plan: SharePlan): Promise<boolean>;
}

export class StaService extends Disposable {
  readonly shares: WorkspaceShares;
  readonly catalog = this.register(new CatalogModel());
  readonly transfers: Transfers;
  private engine?: Engine;
  /** the tracker URL of the last start, without its key */
  private startedWith?: string;
  private starting?: Promise<void>;
  /** aborts the start under way, and its first hashing pass */
  private startAbort?: AbortController;
  private readonly _onDidChangeRunning = this.register(new vscode.EventEmitter<boolean>());
  readonly onDidChangeRunning = this._onDidChangeRunning.event;

  /** `state` is the workspace's (workspaceState): unfinished downloads outlive a window reload there */
  constructor(
    private readonly log: Logger,
    metainfoCacheDir: string,
    private readonly keys: TeamKeys,
    private readonly consent: Consent,
    state: vscode.Memento,
  ) {
    super();
    this.shares = this.register(new WorkspaceShares(log, metainfoCacheDir));
    this.transfers = this.register(new Transfers(this.shares, this.catalog, new TransferJournal(state)));
    // a file withdrawn (deleted, now excluded) leaves the catalog with its `stopped` announce: Tracker Files follows
    this.register(this.shares.onDidChange(() => this.running && this.catalog.refreshSoon()));
    this.register(toDisposable(() => void this.stop()));
  }

  get running(): boolean {
    return this.engine !== undefined;
  }

  get listenPort(): number | undefined {
    return this.engine?.port;
  }

  /** The tracker STA runs with, as it may be shown: without a team key. */
  get trackerUrl(): string | undefined {
    return this.startedWith;
  }

  /** Is this catalog file already in the workspace (shared or downloaded)? */
  hasLocally(infoHash: string): boolean {
    return this.shares.has(infoHash) || !!this.transfers.get(infoHash)?.done;
  }

  /** Starts once however many callers ask; resolves when the workspace's files are shared. */
  start(): Promise<void> {
    if (!this.starting) {
      const abort = (this.startAbort = new AbortController());
      this.starting = this.doStart(abort.signal).finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  private async doStart(signal: AbortSignal): Promise<void> {
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
      announce = await this.keys.keyedAnnounce(settings.trackerUrl);
    } catch (e) {
      throw new StartError('other', `The tracker URL setting is not valid: ${(e as Error).message}`);
    }
    const shown = withoutTeamKey(announce);
    let hasCatalog: boolean;
    try {
      ({ hasCatalog } = await probeTracker(announce));
    } catch (e) {
      if (needsTeamKey(e)) throw new StartError('teamKey', `The tracker at ${shown} lets in its team only: join with the invite a teammate copied.`);
      throw new StartError('trackerUnreachable', `The tracker at ${shown} is unreachable: ${redact((e as Error).message, this.keys.known)}`);
    }
    const root = folder.uri.fsPath;
    const files = await this.shares.scan(root, settings.exclude);
    const plan = { root, folderName: folder.name || path.basename(root), announce, trackerShown: shown, files };
    const stopped = () => new StartError('cancelled', 'STA was stopped while it started.');
    if (signal.aborted) throw stopped();
    if (!(await this.consent.confirm(plan))) throw new StartError('cancelled', 'STA stays off: nothing was shared.');
    if (signal.aborted) throw stopped();
    const engine = await this.listen(settings, announce);
    if (signal.aborted) {
      await engine.close();
      throw stopped();
    }
    this.engine = engine;
    this.startedWith = shown;
    engine.on('session', (s) => s.on('published', () => this.catalog.refreshSoon()));
    this.transfers.attach(engine, root, settings.downloadFolder);
    this._onDidChangeRunning.fire(true);
    this.log.info(`started: workspace ${root}, tracker ${shown}, peers on port ${engine.port}`);
    this.catalog.start(announce, hasCatalog, settings.catalogRefreshSeconds);
    await this.shares.shareWorkspace(engine, root, announce, settings.exclude, files, signal);
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

  /** Ends the first hashing pass at once, announces `stopped`, closes every socket; partial downloads stay for resume. */
  async stop(): Promise<void> {
    this.startAbort?.abort();
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
