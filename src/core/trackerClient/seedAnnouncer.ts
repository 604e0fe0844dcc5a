// Keeps every complete torrent of one peer announced to STA trackers in batches (POST
// /announce-seeds): one request per tracker per interval, however many torrents it seeds. The
// engine owns one; each seeding torrent registers here for each of its trackers, and gets a
// tracker back (`fallback`) when that tracker turns out not to take batches (any standard tracker).
import { randomBytes } from 'node:crypto';
import { Logger, silentLogger } from '../log';
import { TrackerSeeds } from './trackerSeeds';
import { announceUrlOf } from './urls';

/** newcomers and leavers go out at most once per this long, so a folder of new files costs a request a second */
const FLUSH_DELAY_MS = 1000;
/** info-hashes the tracker did not take this time (its announce rate) are sent again after this */
const LATER_RETRY_MS = 5000;
// the retry delay after a tracker failed: doubles per failure from MIN to MAX, as the per-torrent announcer's
const MIN_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 60_000;
/** how long `close` waits for the trackers to take the `stopped` announces */
const CLOSE_TIMEOUT_MS = 3000;

/** One complete torrent as the batch sees it. */
export interface SeedHandle {
  readonly infoHash: Buffer;
  readonly infoHashHex: string;
  /** its .torrent bytes and display name, to republish it */
  readonly torrent: Buffer;
  readonly name: string;
  /** where an STA catalog lists it; undefined: never published (a tracker's catalog that lacks it hands it back) */
  readonly catalogPath?: string;
  /** the tracker at `url` will not announce it in batches: announce it on its own from now on */
  fallback(url: string): void;
  /** it was (re)published to the catalog at `url` */
  published?(url: string): void;
  /** it has leechers at `url`: announce it there on its own once, to learn their addresses and dial them */
  wanted?(url: string): void;
}

export interface SeedAnnouncerOptions {
  peerId: Buffer;
  /** our listening port (known once the engine listens) */
  port: () => number;
  log?: Logger;
  flushDelayMs?: number;
  laterRetryMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** per request; the HTTP client's default otherwise */
  timeoutMs?: number;
}

export class SeedAnnouncer {
  private readonly trackers = new Map<string, TrackerSeeds>();
  // BEP 3's `key`: the same for every batch of this peer
  private readonly key = randomBytes(4).toString('hex');
  private closed = false;

  constructor(private readonly opts: SeedAnnouncerOptions) {}

  /**
   * Announces `seed` to `url` from now on, in batches: `started` (or `completed` for a download
   * that just finished) within about a second, then with every regular batch. False when `url`
   * is known not to take batches (or is not http): the caller announces the torrent itself.
   */
  add(url: string, seed: SeedHandle, event: 'started' | 'completed' = 'started'): boolean {
    if (this.closed) return false;
    const t = this.tracker(url);
    return t !== undefined && t.add(seed, event);
  }

  /** `seed` leaves `url`: `stopped` goes out with the next batch (within about a second). */
  remove(url: string, seed: SeedHandle): void {
    const key = normal(url);
    if (key !== undefined) this.trackers.get(key)?.remove(seed);
  }

  /** true: `url` takes batches; false: it does not; undefined: not known yet. */
  supports(url: string): boolean | undefined {
    const key = normal(url);
    return key === undefined ? false : this.trackers.get(key)?.support;
  }

  /** torrents announced in batches, over all trackers */
  get size(): number {
    let n = 0;
    for (const t of this.trackers.values()) n += t.size;
    return n;
  }

  /** Announces `stopped` for every torrent in one batch per tracker (bounded by `timeoutMs`); nothing more is sent. */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.trackers.values()].map((t) => t.close(timeoutMs)));
  }

  private tracker(url: string): TrackerSeeds | undefined {
    const key = normal(url);
    if (key === undefined) return undefined;
    let t = this.trackers.get(key);
    if (!t) {
      const o = this.opts;
      t = new TrackerSeeds({
        url: key,
        peerId: o.peerId,
        port: o.port,
        key: this.key,
        log: o.log ?? silentLogger,
        flushDelayMs: o.flushDelayMs ?? FLUSH_DELAY_MS,
        laterRetryMs: o.laterRetryMs ?? LATER_RETRY_MS,
        minBackoffMs: o.minBackoffMs ?? MIN_BACKOFF_MS,
        maxBackoffMs: o.maxBackoffMs ?? MAX_BACKOFF_MS,
        timeoutMs: o.timeoutMs,
      });
      this.trackers.set(key, t);
    }
    return t;
  }
}

/** The announce URL requests go to; undefined for one that is not http(s) (udp://: not ours to batch). */
function normal(url: string): string | undefined {
  try {
    return announceUrlOf(url);
  } catch {
    return undefined;
  }
}
