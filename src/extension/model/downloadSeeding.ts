// A finished download's seeding limits (sta.seedRatioLimit, sta.seedTimeMinutes), through core's
// watchSeedLimits: one watch per download, asked the settings at every check. Files the workspace
// shares are never watched: only downloads stop seeding at a limit. A row cleared from Transfers
// still seeds, so its watch stays until the limit, a Cancel or STA's Stop.
import { type SeedingStopped, type SeedLimits, type TorrentSession, watchSeedLimits } from '../../core/api';
import { readSettings, seedLimitsOf } from '../settings';

export class DownloadSeeding {
  private readonly watches = new Map<string, () => void>();

  /** `limits`: the limits as the settings say now */
  constructor(private readonly limits: () => SeedLimits = () => seedLimitsOf(readSettings())) {}

  /** Watches a download's session (from now, or once it finishes); `reached` is called once, when a limit is met. */
  watch(session: TorrentSession, reached: (stopped: SeedingStopped) => void): void {
    const key = session.infoHashHex;
    this.forget(key);
    const stop = watchSeedLimits(session, this.limits, (stopped) => {
      this.watches.delete(key);
      reached(stopped);
    });
    this.watches.set(key, stop);
  }

  forget(infoHash: string): void {
    this.watches.get(infoHash)?.();
    this.watches.delete(infoHash);
  }

  clear(): void {
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
  }
}
