// STA: Start, Stop, Update — with errors that offer the next step.
import * as vscode from 'vscode';
import { Commands, Settings } from '../constants';
import { type StaService, StartError } from '../model/staService';

/** How long the "started" / "stopped" status bar messages stay. */
const STATUS_MESSAGE_MS = 5000;

export async function startCommand(service: StaService): Promise<boolean> {
  try {
    await service.start();
    void vscode.window.setStatusBarMessage(`STA started: sharing on port ${service.listenPort}`, STATUS_MESSAGE_MS);
    return true;
  } catch (e) {
    return reportStartError(e, service);
  }
}

async function reportStartError(e: unknown, service: StaService): Promise<boolean> {
  if (!(e instanceof StartError)) {
    void vscode.window.showErrorMessage(`STA could not start: ${(e as Error).message}`);
    return false;
  }
  switch (e.kind) {
    case 'untrusted': {
      const pick = await vscode.window.showWarningMessage(e.message, 'Manage Workspace Trust');
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
      return false;
    }
    case 'trackerUnreachable': {
      const pick = await vscode.window.showErrorMessage(e.message, 'Start Local Tracker', 'Open Settings');
      if (pick === 'Start Local Tracker') return (await vscode.commands.executeCommand<boolean>(Commands.startLocalTracker)) === true;
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.trackerUrl}`);
      return false;
    }
    case 'portInUse': {
      const message = `${e.message} Another program (or another STA window) listens there.`;
      const pick = await vscode.window.showErrorMessage(message, 'Use Any Free Port', 'Open Settings');
      if (pick === 'Use Any Free Port') {
        await vscode.workspace.getConfiguration(Settings.section).update(Settings.listenPort, 0, vscode.ConfigurationTarget.Workspace);
        return startCommand(service);
      }
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.listenPort}`);
      return false;
    }
    case 'teamKey': {
      const pick = await vscode.window.showErrorMessage(e.message, 'Join Team');
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
  void vscode.window.setStatusBarMessage('STA stopped; partial downloads are kept for resume', STATUS_MESSAGE_MS);
}

export async function updateCommand(service: StaService): Promise<void> {
  if (!service.running) {
    void vscode.window.showInformationMessage('STA is not running.', 'Start').then((p) => p && vscode.commands.executeCommand(Commands.start));
    return;
  }
  await service.catalog.refresh();
  if (service.catalog.error) void vscode.window.showWarningMessage(`STA: the catalog could not be read: ${service.catalog.error}`);
}
