// What each `sta.*` setting is when unset; package.json's defaults must say the same (test/unit/extension).
import { DEFAULT_MAX_PEERS, DEFAULT_UPLOAD_SLOTS } from '../core/api';
import type { Settings } from './constants';

const LOCAL_TRACKER_PORT = 7070;

export const SettingDefaults = {
  trackerUrl: `http://127.0.0.1:${LOCAL_TRACKER_PORT}/announce`,
  listenPort: 0,
  bindAddress: '0.0.0.0',
  downloadFolder: '',
  // added to the built-in DEFAULT_EXCLUDES and SECRET_EXCLUDES, which always apply
  exclude: [] as string[],
  maxPeersPerFile: DEFAULT_MAX_PEERS,
  uploadSlots: DEFAULT_UPLOAD_SLOTS,
  maxUploadRate: 0,
  maxDownloadRate: 0,
  // a finished download's seeding limits; 0 = none (a shared workspace file has none at all)
  seedRatioLimit: 0,
  seedTimeMinutes: 0,
  autoStart: false,
  localTrackerPort: LOCAL_TRACKER_PORT,
  localTrackerOnLan: false,
  catalogRefreshSeconds: 15,
} as const satisfies Record<Exclude<keyof typeof Settings, 'section'>, unknown>;
