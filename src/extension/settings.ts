// Typed reads of the `sta.*` settings.
import * as vscode from 'vscode';
import { Settings } from './constants';
import { SettingDefaults as D } from './settingDefaults';

export interface StaSettings {
  trackerUrl: string;
  listenPort: number;
  bindAddress: string;
  downloadFolder: string;
  exclude: string[];
  maxPeersPerFile: number;
  uploadSlots: number;
  maxUploadRateKiB: number;
  autoStart: boolean;
  localTrackerPort: number;
  catalogRefreshSeconds: number;
}

export function readSettings(scope?: vscode.Uri): StaSettings {
  const c = vscode.workspace.getConfiguration(Settings.section, scope);
  const filesExclude = vscode.workspace.getConfiguration('files', scope).get<Record<string, boolean>>('exclude') ?? {};
  const userExcludes = c.get<string[]>(Settings.exclude) ?? D.exclude;
  // files.exclude patterns are relative globs like **/.DS_Store; those set to true apply
  const editorExcludes = Object.entries(filesExclude).filter(([, on]) => on === true).map(([g]) => g);
  return {
    trackerUrl: c.get<string>(Settings.trackerUrl) || D.trackerUrl,
    listenPort: c.get<number>(Settings.listenPort) ?? D.listenPort,
    bindAddress: c.get<string>(Settings.bindAddress) || D.bindAddress,
    downloadFolder: c.get<string>(Settings.downloadFolder) ?? D.downloadFolder,
    // partial downloads (.sta) are never shared, whatever the setting says
    exclude: [...new Set([...userExcludes, '**/.sta/**', ...editorExcludes])],
    maxPeersPerFile: c.get<number>(Settings.maxPeersPerFile) ?? D.maxPeersPerFile,
    uploadSlots: c.get<number>(Settings.uploadSlots) ?? D.uploadSlots,
    maxUploadRateKiB: c.get<number>(Settings.maxUploadRate) ?? D.maxUploadRate,
    autoStart: c.get<boolean>(Settings.autoStart) ?? D.autoStart,
    localTrackerPort: c.get<number>(Settings.localTrackerPort) ?? D.localTrackerPort,
    catalogRefreshSeconds: c.get<number>(Settings.catalogRefreshSeconds) ?? D.catalogRefreshSeconds,
  };
}
