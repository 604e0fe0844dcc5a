// STA: Start, Stop, Update — with errors that offer the next step.
import * as vscode from 'vscode';
import { Commands, Settings } from '../constants';
import { type StaService, StartError } from '../model/staService';

/** How long the "started" / "stopped" status bar messages stay. */
const STATUS_MESSAGE_MS = 5000;

export async function startCommand(service: StaService): Promise<boolean> {
  try {
    await service.start();
    void vscode.window.setStatusBarMessage(vscode.l10n.t('STA started: sharing on port {0}', String(service.listenPort)), STATUS_MESSAGE_MS);
    return true;
  } catch (e) {
    return reportStartError(e, service);
  }
}

async function reportStartError(e: unknown, service: StaService): Promise<boolean> {
  if (!(e instanceof StartError)) {
    void vscode.window.showErrorMessage(vscode.l10n.t('STA could not start: {0}', (e as Error).message));
    return false;
  }
  switch (e.kind) {
    case 'untrusted': {
      const pick = await vscode.window.showWarningMessage(e.message, vscode.l10n.t('Manage Workspace Trust'));
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
      return false;
    }
    case 'trackerUnreachable': {
      const [local, settings] = [vscode.l10n.t('Start Local Tracker'), vscode.l10n.t('Open Settings')];
      const pick = await vscode.window.showErrorMessage(e.message, local, settings);
      if (pick === local) return (await vscode.commands.executeCommand<boolean>(Commands.startLocalTracker)) === true;
      if (pick === settings) void vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.trackerUrl}`);
      return false;
    }
    case 'portInUse': {
      const message = vscode.l10n.t('{0} Another program (or another STA window) listens there.', e.message);
      const [anyPort, settings] = [vscode.l10n.t('Use Any Free Port'), vscode.l10n.t('Open Settings')];
      const pick = await vscode.window.showErrorMessage(message, anyPort, settings);
      if (pick === anyPort) {
        await vscode.workspace.getConfiguration(Settings.section).update(Settings.listenPort, 0, vscode.ConfigurationTarget.Workspace);
        return startCommand(service);
      }
      if (pick === settings) void vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.listenPort}`);
      return false;
    }
    case 'teamKey': {
      const pick = await vscode.window.showErrorMessage(e.message, vscode.l10n.t('Join Team'));
      if (pick) void vscode.commands.executeCommand(Commands.joinTeam); // it offers Start once joined
      return false;
    }
    case 'cancelled':
      void vscode.window.setStatusBarMessage(e.message, STATUS_MESSAGE_MS);
      return false;
    default:
      void vscode.window.showErrorMessage(e.message);
      return false;
  }
}

export async function stopCommand(service: StaService): Promise<void> {
  await service.stop();
  void vscode.window.setStatusBarMessage(vscode.l10n.t('STA stopped; partial downloads are kept for resume'), STATUS_MESSAGE_MS);
}

export async function updateCommand(service: StaService): Promise<void> {
  if (!service.running) {
    const start = vscode.l10n.t('Start');
    void vscode.window.showInformationMessage(vscode.l10n.t('STA is not running.'), start).then((p) => p && vscode.commands.executeCommand(Commands.start));
    return;
  }
  await service.catalog.refresh();
  if (service.catalog.error) void vscode.window.showWarningMessage(vscode.l10n.t('STA: the catalog could not be read: {0}', service.catalog.error));
}
