// The `sta.*` settings from a configuration as VS Code hands it over (no `vscode` import here: unit-tested).
// What decides what leaves the machine (auto-start, tracker, bind address) and bandwidth are read from user
// or remote settings only; excludes from every level add up.
import type * as vscode from 'vscode';
import { DEFAULT_EXCLUDES, type SeedLimits } from '../core/api';
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
  /** 0: none */
  maxDownloadRateKiB: number;
  /** a finished download stops seeding at this upload ratio; 0: no limit */
  seedRatioLimit: number;
  /** a finished download stops seeding after these minutes; 0: no limit */
  seedTimeMinutes: number;
  autoStart: boolean;
  localTrackerPort: number;
  localTrackerOnLan: boolean;
  catalogRefreshSeconds: number;
}

/** What is read of a configuration: `get` and `inspect`, as vscode.WorkspaceConfiguration has them. */
export type SettingsSource = Pick<vscode.WorkspaceConfiguration, 'get' | 'inspect'>;

/**
 * The user's (or the remote machine's) value: `machine` scope already keeps these out of workspace
 * settings; reading only globalValue keeps it so if a VS Code build does not.
 */
function userValue<T>(c: SettingsSource, key: string): T | undefined {
  return c.inspect<T>(key)?.globalValue;
}

/** A limit the user set: a number of 0 or more (anything else, as a hand-edited settings.json may hold, is the default). */
function userLimit(c: SettingsSource, key: string, fallback: number): number {
  const v = userValue<unknown>(c, key);
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** The patterns of every level together: a repository can add excludes, never remove the user's. */
function everyLevel(c: SettingsSource, key: string): string[] {
  const i = c.inspect<string[]>(key);
  const levels = [i?.globalValue, i?.workspaceValue, i?.workspaceFolderValue];
  return levels.flatMap((v) => (Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string' && g.length > 0) : []));
}

/** The settings from the `sta` section `c`; `editorExcludes` are the files.exclude globs set to true. */
export function settingsFrom(c: SettingsSource, editorExcludes: readonly string[] = []): StaSettings {
  return {
    trackerUrl: userValue<string>(c, Settings.trackerUrl) || D.trackerUrl,
    listenPort: c.get<number>(Settings.listenPort) ?? D.listenPort,
    bindAddress: userValue<string>(c, Settings.bindAddress) || D.bindAddress,
    downloadFolder: c.get<string>(Settings.downloadFolder) ?? D.downloadFolder,
    exclude: [...new Set([...DEFAULT_EXCLUDES, ...everyLevel(c, Settings.exclude), ...editorExcludes])],
    maxPeersPerFile: userValue<number>(c, Settings.maxPeersPerFile) ?? D.maxPeersPerFile,
    uploadSlots: userValue<number>(c, Settings.uploadSlots) ?? D.uploadSlots,
    maxUploadRateKiB: userValue<number>(c, Settings.maxUploadRate) ?? D.maxUploadRate,
    maxDownloadRateKiB: userLimit(c, Settings.maxDownloadRate, D.maxDownloadRate),
    seedRatioLimit: userLimit(c, Settings.seedRatioLimit, D.seedRatioLimit),
    seedTimeMinutes: userLimit(c, Settings.seedTimeMinutes, D.seedTimeMinutes),
    autoStart: userValue<boolean>(c, Settings.autoStart) ?? D.autoStart,
    localTrackerPort: c.get<number>(Settings.localTrackerPort) ?? D.localTrackerPort,
    localTrackerOnLan: userValue<boolean>(c, Settings.localTrackerOnLan) ?? D.localTrackerOnLan,
    catalogRefreshSeconds: c.get<number>(Settings.catalogRefreshSeconds) ?? D.catalogRefreshSeconds,
  };
}

/** The engine's download limit in bytes per second (undefined: none). */
export const downloadRateOf = (s: Pick<StaSettings, 'maxDownloadRateKiB'>): number | undefined =>
  s.maxDownloadRateKiB > 0 ? s.maxDownloadRateKiB * 1024 : undefined;

/** A finished download's seeding limits: in the extension 0 means no limit (a download always seeds a while). */
export function seedLimitsOf(s: Pick<StaSettings, 'seedRatioLimit' | 'seedTimeMinutes'>): SeedLimits {
  return {
    ratio: s.seedRatioLimit > 0 ? s.seedRatioLimit : undefined,
    minutes: s.seedTimeMinutes > 0 ? s.seedTimeMinutes : undefined,
  };
}
