// Typed reads of the `sta.*` settings. What decides what leaves the machine (auto-start, tracker, bind
// address) is read from user or remote settings only; excludes from every level add up.
import * as vscode from 'vscode';
import { DEFAULT_EXCLUDES } from '../core/api';
import { Settings } from './constants';
import { SettingDefaults as D } from './settingDefaults';

export interface StaSettings {
  trackerUrl: string;
  listenPort: number;
  bindAddress: string;
  downloadFolder: string;
  /** DEFAULT_EXCLUDES plus every level's sta.exclude and files.exclude; the Repository adds the secrets */
  exclude: string[];
  maxPeersPerFile: number;
  uploadSlots: number;
  maxUploadRateKiB: number;
  autoStart: boolean;
  localTrackerPort: number;
  localTrackerOnLan: boolean;
  catalogRefreshSeconds: number;
}

/**
 * The user's (or the remote machine's) value: `machine` scope already keeps these out of workspace
 * settings; reading only globalValue keeps it so if a VS Code build does not.
 */
function userValue<T>(c: vscode.WorkspaceConfiguration, key: string): T | undefined {
  return c.inspect<T>(key)?.globalValue;
}

/** The patterns of every level together: a repository can add excludes, never remove the user's. */
function everyLevel(c: vscode.WorkspaceConfiguration, key: string): string[] {
  const i = c.inspect<string[]>(key);
  const levels = [i?.globalValue, i?.workspaceValue, i?.workspaceFolderValue];
  return levels.flatMap((v) => (Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string' && g.length > 0) : []));
}

export function readSettings(scope?: vscode.Uri): StaSettings {
  const c = vscode.workspace.getConfiguration(Settings.section, scope);
  const filesExclude = vscode.workspace.getConfiguration('files', scope).get<Record<string, boolean>>('exclude') ?? {};
  // files.exclude patterns are relative globs like **/.DS_Store; those set to true apply
  const editorExcludes = Object.entries(filesExclude).filter(([, on]) => on === true).map(([g]) => g);
  return {
    trackerUrl: userValue<string>(c, Settings.trackerUrl) || D.trackerUrl,
    listenPort: c.get<number>(Settings.listenPort) ?? D.listenPort,
    bindAddress: userValue<string>(c, Settings.bindAddress) || D.bindAddress,
    downloadFolder: c.get<string>(Settings.downloadFolder) ?? D.downloadFolder,
    exclude: [...new Set([...DEFAULT_EXCLUDES, ...everyLevel(c, Settings.exclude), ...editorExcludes])],
    maxPeersPerFile: userValue<number>(c, Settings.maxPeersPerFile) ?? D.maxPeersPerFile,
    uploadSlots: userValue<number>(c, Settings.uploadSlots) ?? D.uploadSlots,
    maxUploadRateKiB: userValue<number>(c, Settings.maxUploadRate) ?? D.maxUploadRate,
    autoStart: userValue<boolean>(c, Settings.autoStart) ?? D.autoStart,
    localTrackerPort: c.get<number>(Settings.localTrackerPort) ?? D.localTrackerPort,
    localTrackerOnLan: userValue<boolean>(c, Settings.localTrackerOnLan) ?? D.localTrackerOnLan,
    catalogRefreshSeconds: c.get<number>(Settings.catalogRefreshSeconds) ?? D.catalogRefreshSeconds,
  };
}
