// Who may see the files: Start/Stop Local Tracker (a keyed tracker, on this machine or the LAN),
// Copy Invite (the keyed announce URL for a teammate) and Join Team (a teammate's invite).
import { networkInterfaces } from 'node:os';
import * as vscode from 'vscode';
import { announceUrlOf, teamKeyOf, withoutTeamKey } from '../../core/api';
import { Commands, Settings } from '../constants';
import { EVERY_ADDRESS, type LocalTracker, LOOPBACK } from '../localTracker';
import type { StaService } from '../model/staService';
import { readSettings } from '../settings';
import type { TeamKeys } from '../teamKeys';
import { startCommand } from './startStop';

/** How long "invite copied" stays in the status bar. */
const STATUS_MESSAGE_MS = 6000;

const userSettings = () => vscode.workspace.getConfiguration(Settings.section);

/** This machine's first LAN (non-internal IPv4) address, the one teammates dial. */
function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/**
 * Whether the local tracker listens on the LAN: the user's sta.localTrackerOnLan, asked the first
 * time (a setting, so it stays visible and changeable, and a repository cannot set it). Undefined: dismissed.
 */
async function onLan(): Promise<boolean | undefined> {
  const set = userSettings().inspect<boolean>(Settings.localTrackerOnLan)?.globalValue;
  if (set !== undefined) return set;
  const picks = [
    {
      label: vscode.l10n.t('This machine only'),
      description: LOOPBACK,
      detail: vscode.l10n.t('Windows on this computer share with each other; nobody else can connect.'),
      lan: false,
    },
    {
      label: vscode.l10n.t('Share on the LAN'),
      description: vscode.l10n.t('every interface'),
      detail: vscode.l10n.t('Teammates on your network join with the invite (STA: Copy Invite).'),
      lan: true,
    },
  ];
  const title = vscode.l10n.t('STA: Start Local Tracker — who may connect?');
  const pick = await vscode.window.showQuickPick(picks, { title, ignoreFocusOut: true });
  if (!pick) return undefined;
  await userSettings().update(Settings.localTrackerOnLan, pick.lan, vscode.ConfigurationTarget.Global);
  return pick.lan;
}

/** Runs the bundled tracker with this machine's team key, points STA at it (user settings), then starts STA. */
export async function startLocalTrackerCommand(service: StaService, tracker: LocalTracker, keys: TeamKeys): Promise<boolean> {
  const lan = await onLan();
  if (lan === undefined) return false;
  const settings = readSettings();
  let url: string;
  try {
    url = await tracker.start(settings.localTrackerPort, lan ? EVERY_ADDRESS : LOOPBACK, await keys.localTrackerKey());
  } catch (e) {
    const message = vscode.l10n.t('STA: the local tracker could not start on port {0}: {1}', settings.localTrackerPort, (e as Error).message);
    void vscode.window.showErrorMessage(message, vscode.l10n.t('Open Settings')).then(
      (p) => p && vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.localTrackerPort}`),
    );
    return false;
  }
  const shown = await keys.store(url);
  if (settings.trackerUrl !== shown) await userSettings().update(Settings.trackerUrl, shown, vscode.ConfigurationTarget.Global);
  if (service.running && service.trackerUrl !== shown) await service.stop(); // reconnect to the new tracker
  const running = lan
    ? vscode.l10n.t('STA: local tracker running at {0}. Teammates on your network join with STA: Copy Invite.', shown)
    : vscode.l10n.t('STA: local tracker running at {0}. It listens on this machine only.', shown);
  void vscode.window.showInformationMessage(running, vscode.l10n.t('Copy Invite')).then(
    (p) => p && vscode.commands.executeCommand(Commands.copyInvite),
  );
  return startCommand(service);
}

export function stopLocalTrackerCommand(tracker: LocalTracker): void {
  tracker.stop();
}

/** Puts the keyed announce URL teammates need on the clipboard (the LAN address when the local tracker is on the LAN). */
export async function copyInviteCommand(tracker: LocalTracker, keys: TeamKeys): Promise<void> {
  let invite: string;
  let warning: string | undefined;
  if (tracker.running && tracker.announceUrl) {
    invite = tracker.announceUrl;
    const lan = tracker.host === EVERY_ADDRESS ? lanAddress() : undefined;
    if (lan) invite = invite.replace(`//${LOOPBACK}:`, `//${lan}:`);
    else warning = vscode.l10n.t('The local tracker listens on this machine only: teammates on other computers cannot reach it with this invite.');
  } else {
    invite = await keys.keyedAnnounce(readSettings().trackerUrl);
    if (!teamKeyOf(invite)) warning = vscode.l10n.t('This tracker has no team key: anyone who can reach it can list and download what is shared.');
  }
  await vscode.env.clipboard.writeText(invite);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('STA: invite to {0} copied; send it to teammates only', withoutTeamKey(invite)), STATUS_MESSAGE_MS);
  if (!warning) return;
  const lanAction = tracker.running && tracker.host === LOOPBACK ? [vscode.l10n.t('Share on the LAN')] : [];
  // not awaited: the command is done once the invite is on the clipboard
  void vscode.window.showWarningMessage(vscode.l10n.t('STA: invite copied. {0}', warning), ...lanAction).then(async (pick) => {
    if (!pick) return;
    await userSettings().update(Settings.localTrackerOnLan, true, vscode.ConfigurationTarget.Global);
    tracker.stop();
    await vscode.commands.executeCommand(Commands.startLocalTracker);
  });
}

/** Takes a teammate's invite (from the input box, or as the argument): the key to SecretStorage, the URL to user settings. */
export async function joinTeamCommand(service: StaService, keys: TeamKeys, invite?: string): Promise<boolean> {
  invite ??= await vscode.window.showInputBox({
    title: vscode.l10n.t('STA: Join Team'),
    prompt: vscode.l10n.t('Paste the invite a teammate copied with STA: Copy Invite'),
    placeHolder: 'http://192.168.1.20:7070/…/announce',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (inviteProblem(v.trim()) ?? null),
  });
  if (invite === undefined) return false;
  const problem = inviteProblem(invite.trim());
  if (problem) {
    void vscode.window.showErrorMessage(vscode.l10n.t('STA: {0}', problem));
    return false;
  }
  const shown = await keys.store(invite.trim());
  await userSettings().update(Settings.trackerUrl, shown, vscode.ConfigurationTarget.Global);
  if (service.running) await service.stop(); // the next Start talks to the team's tracker
  const joined = vscode.l10n.t('STA: joined the team at {0}. Start shares this workspace with it.', shown);
  void vscode.window.showInformationMessage(joined, vscode.l10n.t('Start')).then(
    (p) => p && vscode.commands.executeCommand(Commands.start),
  );
  return true;
}

function inviteProblem(invite: string): string | undefined {
  try {
    announceUrlOf(invite);
  } catch {
    return vscode.l10n.t('an invite is a tracker URL: http://HOST:PORT/KEY/announce');
  }
  return teamKeyOf(invite) ? undefined : vscode.l10n.t('this URL has no team key; ask for the invite STA: Copy Invite makes');
}
