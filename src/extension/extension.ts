// Wiring only: the service, views, status bar, local tracker and commands, all owned by
// the extension context so that deactivation disposes every socket, timer and process.
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as fileActions from './commands/fileActions';
import { LinkOpener } from './commands/openLink';
import { FolderSharer } from './commands/shareFolder';
import { requestCommand, RequestQuestions } from './commands/request';
import * as startStop from './commands/startStop';
import * as team from './commands/team';
import * as transferActions from './commands/transferActions';
import { Commands, ContextKeys, Views } from './constants';
import { DownloadNotification } from './downloadNotification';
import { HashingProgress } from './hashingProgress';
import { LocalTracker } from './localTracker';
import { channelLogger } from './logChannel';
import { StaService } from './model/staService';
import { workspaceFolder } from './model/workspaceFolder';
import { readSettings } from './settings';
import { ShareConsent } from './shareConsent';
import { RemoteWarning } from './remoteWarning';
import { SettingsChanges } from './settingsChanges';
import { StatusBar } from './statusBar';
import { TeamKeys } from './teamKeys';
import { StaUriHandler } from './uriHandler';
import { SharedView } from './views/sharedView';
import { TrackerFilesView } from './views/trackerFilesView';
import { TransfersView } from './views/transfersView';

/** What tests (and other extensions) can observe; the UI itself is the real interface. */
export interface StaApi {
  service: StaService;
  localTracker: LocalTracker;
  /** the first-Start question and its remembered answers */
  consent: ShareConsent;
  teamKeys: TeamKeys;
  /** magnets and .torrents: STA: Open Magnet Link or .torrent… and the vscode:// handler (its `confirm` is the modal) */
  links: LinkOpener;
  /** STA: Request's questions (a folder torrent's files, a different file in the way) */
  requests: RequestQuestions;
  /** Share Folder via STA (its `confirm` is the modal) */
  folders: FolderSharer;
  statusBar: StatusBar;
  /** settings applied while running, or a restart offered */
  settingsChanges: SettingsChanges;
  trackerFiles: TrackerFilesView;
  transfers: TransfersView;
  shared: SharedView;
}

export function activate(context: vscode.ExtensionContext): StaApi {
  const channel = vscode.window.createOutputChannel('STA', { log: true });
  context.subscriptions.push(channel);
  const teamKeys = new TeamKeys(context.secrets);
  const log = channelLogger(channel, () => teamKeys.known);
  const own = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };

  const consent = new ShareConsent(context.workspaceState);
  const service = own(new StaService(log, path.join(context.globalStorageUri.fsPath, 'metainfo'), teamKeys, consent, context.workspaceState));
  const localTracker = own(new LocalTracker(path.join(context.extensionPath, 'dist', 'cli.js'), log));
  const statusBar = own(new StatusBar(service));
  const trackerFiles = own(new TrackerFilesView(service));
  const transfersView = own(new TransfersView(service.transfers));
  const shared = own(new SharedView(service));
  own(new HashingProgress(service.shares));
  own(new DownloadNotification(service.transfers));
  const settingsChanges = own(new SettingsChanges(service, () => startStop.startCommand(service)));
  own(new RemoteWarning(service, context.workspaceState));

  const setContext = (key: string, value: unknown) => void vscode.commands.executeCommand('setContext', key, value);
  own(service.onDidChangeRunning((running) => setContext(ContextKeys.running, running)));
  own(localTracker.onDidChange((running) => setContext(ContextKeys.localTrackerRunning, running)));
  own(vscode.workspace.onDidGrantWorkspaceTrust(() => setContext(ContextKeys.running, service.running)));
  setContext(ContextKeys.running, false);
  const finishedListed = () => service.transfers.values().some((t) => t.done || t.progress.state === 'failed');
  let finished = finishedListed();
  own(service.transfers.onDidChange(() => finished !== finishedListed() && setContext(ContextKeys.hasFinishedTransfers, (finished = !finished))));
  setContext(ContextKeys.hasFinishedTransfers, finished);

  const command = (id: string, fn: (...args: any[]) => unknown) => own(vscode.commands.registerCommand(id, fn));
  command(Commands.start, () => startStop.startCommand(service));
  command(Commands.stop, () => startStop.stopCommand(service));
  command(Commands.update, () => startStop.updateCommand(service));
  const requests = new RequestQuestions((meta) => links.pickFiles(meta));
  command(Commands.request, (item) => requestCommand(service, item, requests));
  command(Commands.startLocalTracker, () => team.startLocalTrackerCommand(service, localTracker, teamKeys));
  command(Commands.stopLocalTracker, () => team.stopLocalTrackerCommand(localTracker));
  command(Commands.copyInvite, () => team.copyInviteCommand(localTracker, teamKeys));
  command(Commands.joinTeam, (invite?: unknown) => team.joinTeamCommand(service, teamKeys, typeof invite === 'string' ? invite : undefined));
  command(Commands.pauseTransfer, (item, items) => transferActions.pauseTransfer(service, item, items));
  command(Commands.resumeTransfer, (item, items) => transferActions.resumeTransfer(service, item, items));
  command(Commands.cancelTransfer, (item, items) => transferActions.cancelTransfer(service, item, items));
  command(Commands.revealTransfer, (item) => transferActions.revealTransfer(item));
  command(Commands.clearFinished, () => service.transfers.clearFinished());
  command(Commands.shareFile, (uri) => fileActions.shareFileCommand(service, uri));
  const folders = new FolderSharer(service);
  command(Commands.shareFolder, (uri?: vscode.Uri) => folders.command(uri));
  command(Commands.copyMagnet, (item) => fileActions.copyMagnetCommand(service, item));
  command(Commands.exportTorrent, (item) => fileActions.exportTorrentCommand(service, item));
  command(Commands.showLog, () => channel.show());
  const links = new LinkOpener(service, teamKeys, log);
  command(Commands.openLink, (arg?: unknown) => links.command(arg));
  own(vscode.window.registerUriHandler(new StaUriHandler(links)));

  // autoStart comes from user settings only; the first Start in a workspace still asks
  if (readSettings().autoStart && vscode.workspace.isTrusted && workspaceFolder()) void startStop.startCommand(service);
  log.info(`STA activated (views: ${Object.values(Views).join(', ')})`);
  return { service, localTracker, consent, teamKeys, links, requests, folders, statusBar, settingsChanges, trackerFiles, transfers: transfersView, shared };
}
