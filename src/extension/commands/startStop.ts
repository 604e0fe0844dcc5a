// STA: Start, Stop, Update, Start/Stop Local Tracker — with errors that offer the next step.
import * as vscode from 'vscode';
import { Commands, Settings } from '../constants';
import type { LocalTracker } from '../localTracker';
import { type StaService, StartError } from '../model/staService';
import { workspaceFolder } from '../model/workspaceFolder';
import { readSettings } from '../settings';

/** How long the "started" / "stopped" status bar messages stay. */
const STATUS_MESSAGE_MS = 5000;

export async function startCommand(service: StaService, tracker: LocalTracker): Promise<boolean> {
  try {
    await service.start();
    void vscode.window.setStatusBarMessage(`STA started: sharing on port ${service.listenPort}`, STATUS_MESSAGE_MS);
    return true;
  } catch (e) {
    return reportStartError(e, service, tracker);
  }
}

async function reportStartError(e: unknown, service: StaService, tracker: LocalTracker): Promise<boolean> {
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
      if (pick === 'Start Local Tracker') return startLocalTrackerCommand(service, tracker);
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.trackerUrl}`);
      return false;
    }
    case 'portInUse': {
      const message = `${e.message} Another program (or another STA window) listens there.`;
      const pick = await vscode.window.showErrorMessage(message, 'Use Any Free Port', 'Open Settings');
      if (pick === 'Use Any Free Port') {
        await vscode.workspace.getConfiguration(Settings.section).update(Settings.listenPort, 0, vscode.ConfigurationTarget.Workspace);
        return startCommand(service, tracker);
      }
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.listenPort}`);
      return false;
    }
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

/** Runs the bundled tracker, points this workspace's tracker URL at it, then starts STA. */
export async function startLocalTrackerCommand(service: StaService, tracker: LocalTracker): Promise<boolean> {
  const settings = readSettings();
  let url: string;
  try {
    url = await tracker.start(settings.localTrackerPort, settings.bindAddress);
  } catch (e) {
    const message = `STA: the local tracker could not start on port ${settings.localTrackerPort}: ${(e as Error).message}`;
    void vscode.window.showErrorMessage(message, 'Open Settings').then(
      (p) => p && vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.localTrackerPort}`),
    );
    return false;
  }
  const config = vscode.workspace.getConfiguration(Settings.section);
  if (config.get<string>(Settings.trackerUrl) !== url) {
    await config.update(Settings.trackerUrl, url, workspaceFolder() ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    if (service.running) await service.stop(); // reconnect to the new tracker
  }
  const teammatesUrl = `http://<this machine>:${settings.localTrackerPort}/announce`;
  void vscode.window.showInformationMessage(`STA: local tracker running at ${url}. Teammates on your network use ${teammatesUrl}.`);
  return startCommand(service, tracker);
}

export function stopLocalTrackerCommand(tracker: LocalTracker): void {
  tracker.stop();
}
