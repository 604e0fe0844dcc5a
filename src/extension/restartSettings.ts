// Which settings the running engine was made with: changing one needs STA restarted (no vscode here: unit-tested).
import { Settings } from './constants';
import type { StaSettings } from './settings';

/** Settings the running engine was made with, by the name the user sees in Settings. */
export const NEEDS_RESTART: { key: keyof StaSettings; setting: string }[] = [
  { key: 'trackerUrl', setting: Settings.trackerUrl },
  { key: 'listenPort', setting: Settings.listenPort },
  { key: 'bindAddress', setting: Settings.bindAddress },
  { key: 'maxPeersPerFile', setting: Settings.maxPeersPerFile },
  { key: 'uploadSlots', setting: Settings.uploadSlots },
  { key: 'maxUploadRateKiB', setting: Settings.maxUploadRate },
  { key: 'maxDownloadRateKiB', setting: Settings.maxDownloadRate },
];

/** The settings whose value now differs from the one STA runs with (a port of 0 takes whatever port it got). */
export function changedSinceStart(running: StaSettings, now: StaSettings): string[] {
  return NEEDS_RESTART.filter(({ key }) => {
    if (key === 'listenPort' && now.listenPort === 0) return false;
    return running[key] !== now[key];
  }).map(({ setting }) => `${Settings.section}.${setting}`);
}

