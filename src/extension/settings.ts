// Typed reads of the `sta.*` settings.
import * as vscode from 'vscode';
import { DEFAULT_EXCLUDES } from '../core/api';
import { Settings } from './constants';

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
  const userExcludes = c.get<string[]>(Settings.exclude) ?? DEFAULT_EXCLUDES;
  return {
    trackerUrl: c.get<string>(Settings.trackerUrl) || 'http://127.0.0.1:7070/announce',
    listenPort: c.get<number>(Settings.listenPort) ?? 0,
    bindAddress: c.get<string>(Settings.bindAddress) || '0.0.0.0',
    downloadFolder: c.get<string>(Settings.downloadFolder) ?? '',
    // files.exclude patterns are relative globs like **/.DS_Store; those set to true apply
    exclude: [...new Set([...userExcludes, '**/.sta/**', ...Object.entries(filesExclude).filter(([, on]) => on === true).map(([g]) => g)])],
    maxPeersPerFile: c.get<number>(Settings.maxPeersPerFile) ?? 50,
    uploadSlots: c.get<number>(Settings.uploadSlots) ?? 8,
    maxUploadRateKiB: c.get<number>(Settings.maxUploadRate) ?? 0,
    autoStart: c.get<boolean>(Settings.autoStart) ?? false,
    localTrackerPort: c.get<number>(Settings.localTrackerPort) ?? 7070,
    catalogRefreshSeconds: c.get<number>(Settings.catalogRefreshSeconds) ?? 15,
  };
}
