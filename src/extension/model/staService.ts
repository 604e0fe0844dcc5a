// STA on or off: the checks before it starts (trust, folders, tracker, the first-Start question), the
// one Engine of the workspace, and the models that live while it runs (shares, catalog, transfers).
// Every `file:` folder of the window is shared; folders added or removed while it runs follow.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Engine, type Logger, redact, withoutTeamKey } from '../../core/api';
import { Settings } from '../constants';
import { Disposable, toDisposable } from '../lifecycle';
import { downloadRateOf, readSettings, type StaSettings } from '../settings';
import type { FolderPlan, SharePlan } from '../shareConsent';
import type { TeamKeys } from '../teamKeys';
import { type LocalFiles } from './catalogMarks';
import { CatalogModel } from './catalogModel';
import { catalogPrefixes } from './catalogPaths';
import type { DownloadFolders } from './downloadPlaces';
import { needsTeamKey, probeTracker } from './trackerProbe';
import { TransferJournal } from './transferJournal';
import { Transfers } from './transfers';
import { isMultiRoot, type ShareableFolder, shareableFolders } from './workspaceFolder';
import { WorkspaceShares } from './workspaceShares';

/** A folder about to be shared: its plan, and the excludes its settings give. */
type FolderStart = FolderPlan & { excludes: string[] };

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
  /** the settings the running engine was made with (what a change needs a restart for) */
  private startedSettings?: StaSettings;
  /** the keyed announce URL while running */
  private announce?: string;
  /** folder changes, one after the other */
  private folderSync: Promise<void> = Promise.resolve();
  /** folders the user said Cancel to while this run lasts: not asked again until the next Start */
  private readonly declined = new Set<string>();
  private downloadTo: DownloadFolders = { folders: [], multiRoot: false };
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
    this.transfers = this.register(new Transfers(this.shares, this.catalog, new TransferJournal(state), () => this.downloadTo));
    // a file withdrawn (deleted, now excluded) leaves the catalog with its `stopped` announce: Tracker Files follows
    this.register(this.shares.onDidChange(() => this.running && this.catalog.refreshSoon()));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.foldersChanged()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${Settings.section}.${Settings.downloadFolder}`)) this.downloadTo = downloadFoldersNow();
      }),
    );
    this.register(toDisposable(() => void this.stop()));
    this.downloadTo = downloadFoldersNow();
  }

  /** What this workspace holds, for Tracker Files' marks. */
  readonly local: LocalFiles = {
    hasContent: (infoHash) => this.hasLocally(infoHash),
    infoHashAt: (catalogPath) => this.shares.infoHashAt(catalogPath),
  };

  get running(): boolean {
    return this.engine !== undefined;
  }

  get listenPort(): number | undefined {
    return this.engine?.port;
  }

  /** The settings STA runs with (undefined while off). */
  get settingsInUse(): StaSettings | undefined {
    return this.startedSettings;
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
      const why = vscode.l10n.t('STA stays off in Restricted Mode: it would share this workspace\'s files over the network. Trust the workspace to use it.');
      throw new StartError('untrusted', why);
    }
    const folders = shareableFolders();
    if (folders.length === 0) {
      throw new StartError(
        'noWorkspace',
        vscode.workspace.workspaceFolders?.length
          ? vscode.l10n.t('STA needs a folder on disk; this workspace\'s folders are not `file:` folders.')
          : vscode.l10n.t('Open a folder first: STA shares its files and downloads into it.'),
      );
    }
    const settings = readSettings(folders[0].uri);
    let announce: string;
    try {
      announce = await this.keys.keyedAnnounce(settings.trackerUrl);
    } catch (e) {
      throw new StartError('other', vscode.l10n.t('The tracker URL setting is not valid: {0}', (e as Error).message));
    }
    const shown = withoutTeamKey(announce);
    let hasCatalog: boolean;
    try {
      ({ hasCatalog } = await probeTracker(announce));
    } catch (e) {
      const teamOnly = () => vscode.l10n.t('The tracker at {0} lets in its team only: join with the invite a teammate copied.', shown);
      if (needsTeamKey(e)) throw new StartError('teamKey', teamOnly());
      throw new StartError('trackerUnreachable', vscode.l10n.t('The tracker at {0} is unreachable: {1}', shown, redact((e as Error).message, this.keys.known)));
    }
    const plans = await this.plan(folders);
    const plan: SharePlan = { folders: plans, announce, trackerShown: shown };
    const stopped = () => new StartError('cancelled', vscode.l10n.t('STA was stopped while it started.'));
    if (signal.aborted) throw stopped();
    if (!(await this.consent.confirm(plan))) throw new StartError('cancelled', vscode.l10n.t('STA stays off: nothing was shared.'));
    if (signal.aborted) throw stopped();
    const engine = await this.listen(settings, announce);
    if (signal.aborted) {
      await engine.close();
      throw stopped();
    }
    this.engine = engine;
    this.startedWith = shown;
    this.startedSettings = settings;
    this.announce = announce;
    this.declined.clear();
    engine.on('session', (s) => s.on('published', () => this.catalog.refreshSoon()));
    this.downloadTo = downloadFoldersNow();
    this.transfers.attach(engine);
    this._onDidChangeRunning.fire(true);
    this.log.info(`started: workspace ${plans.map((p) => p.root).join(', ')}, tracker ${shown}, peers on port ${engine.port}`);
    const virtual = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme !== 'file');
    if (virtual.length) this.log.info(`not shared, not on disk: ${virtual.map((f) => f.uri.toString()).join(', ')}`);
    this.catalog.start(announce, hasCatalog, settings.catalogRefreshSeconds);
    for (const p of plans) await this.shares.shareFolder(engine, p, announce, signal);
    // folders added or removed while it started
    this.foldersChanged();
  }

  /** Each folder's files (a scan) under its own excludes, and its catalog prefix in a multi-root workspace. */
  private plan(folders: ShareableFolder[]): Promise<FolderStart[]> {
    return Promise.all(
      folders.map(async (f) => {
        const { exclude } = readSettings(f.uri);
        return { root: f.root, name: nameOf(f), prefix: prefixOf(f), excludes: exclude, files: await this.shares.scan(f.root, exclude) };
      }),
    );
  }

  /** The window's folders changed: shares follow (one change after the other). */
  private foldersChanged(): void {
    this.downloadTo = downloadFoldersNow();
    this.folderSync = this.folderSync.then(() => this.syncFolders()).catch((e: Error) => this.log.warn(`workspace folders: ${e.message}`));
  }

  /**
   * A folder that left is withdrawn; one whose catalog paths change (one folder ↔ several) is withdrawn and
   * shared again under its new paths; a new one is shared once the user agrees (the first-Start question).
   */
  private async syncFolders(): Promise<void> {
    const engine = this.engine;
    const announce = this.announce;
    if (!engine || !announce) return;
    const now = shareableFolders();
    for (const { root, prefix } of this.shares.folders()) {
      if (now.some((f) => f.root === root && prefixOf(f, now) === prefix)) continue;
      await this.shares.unshareFolder(root);
    }
    const shared = new Set(this.shares.folders().map((f) => f.root));
    const added = await this.plan(now.filter((f) => !shared.has(f.root) && !this.declined.has(f.root)));
    if (added.length === 0 || this.engine !== engine) return;
    if (!(await this.consent.confirm({ folders: added, announce, trackerShown: this.startedWith! }))) {
      for (const f of added) this.declined.add(f.root);
      this.log.info(`not sharing ${added.map((f) => f.root).join(', ')}: the user said no`);
      return;
    }
    const signal = this.startAbort?.signal ?? new AbortController().signal;
    for (const f of added) if (this.engine === engine) await this.shares.shareFolder(engine, f, announce, signal);
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
      maxDownloadRate: downloadRateOf(settings),
    });
    try {
      await engine.listen();
      return engine;
    } catch (e) {
      await engine.close();
      const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (inUse) throw new StartError('portInUse', vscode.l10n.t('Port {0} is already in use.', settings.listenPort));
      throw new StartError('other', vscode.l10n.t('STA could not listen on {0}:{1}: {2}', settings.bindAddress, settings.listenPort, (e as Error).message));
    }
  }

  /** Excludes changed: every folder is scanned again under its new excludes (withdrawn, then shared as now). */
  reapplyExcludes(): void {
    if (!this.engine) return;
    const roots = this.shares.folders().map((f) => f.root);
    this.folderSync = this.folderSync
      .then(async () => {
        for (const root of roots) await this.shares.unshareFolder(root);
      })
      .catch((e: Error) => this.log.warn(`excludes: ${e.message}`));
    this.foldersChanged();
  }

  /** Ends the first hashing pass at once, announces `stopped`, closes every socket; partial downloads stay for resume. */
  async stop(): Promise<void> {
    this.startAbort?.abort();
    await this.starting?.catch(() => {});
    const engine = this.engine;
    if (!engine) return;
    this.engine = undefined;
    this.announce = undefined;
    this.startedSettings = undefined;
    this.catalog.stop();
    await engine.close();
    this.shares.clear();
    this.transfers.detach();
    this.log.info('stopped');
    this._onDidChangeRunning.fire(false);
  }
}

const nameOf = (f: ShareableFolder) => f.name || path.basename(f.root);

/**
 * The first part of the folder's catalog paths in a multi-root workspace (its name; `name (2)` for a later folder
 * of the same name); undefined in a single-folder one.
 */
function prefixOf(f: ShareableFolder, all = shareableFolders()): string | undefined {
  if (!isMultiRoot()) return undefined;
  const prefixes = catalogPrefixes(all.map((g) => ({ name: nameOf(g) })));
  return prefixes[all.findIndex((g) => g.root === f.root)] ?? catalogPrefixes([{ name: nameOf(f) }])[0];
}

/** The window's `file:` folders as downloads see them, each with its own `sta.downloadFolder`. */
function downloadFoldersNow(): DownloadFolders {
  const folders = shareableFolders().map((f) => ({ root: f.root, name: nameOf(f), downloadFolder: readSettings(f.uri).downloadFolder }));
  return { folders, multiRoot: isMultiRoot() };
}
