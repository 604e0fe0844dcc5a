// Keeps one torrent announced to its trackers (BEP 12 tiers): on the interval they ask
// for, with backoff while they are down, without ever stopping the transfer.
import { TypedEmitter } from '../events';
import { announce, AnnounceEvent, AnnounceResult } from './announce';
import { PeerAddress } from './peers';

// the retry delay after every tracker failed: doubles per failure from MIN to MAX
const MIN_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 60_000;
/** how long `stop` waits for the trackers to take the `stopped` announce */
const STOP_TIMEOUT_MS = 3000;

export interface AnnounceStats {
  uploaded: number;
  downloaded: number;
  left: number;
}

export type AnnouncerEvents = {
  peers: [peers: PeerAddress[], tracker: string];
  announced: [result: AnnounceResult, tracker: string];
  /** the STA catalog at `tracker` does not list this torrent */
  unknownToCatalog: [tracker: string];
  error: [message: string, tracker: string];
};

export interface AnnouncerOptions {
  tiers: string[][];
  infoHash: Buffer;
  peerId: Buffer;
  port: number;
  stats: () => AnnounceStats;
  numwant?: number;
  /** first retry delay after every tracker failed; doubles per failure up to maxBackoffMs */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Announcer extends TypedEmitter<AnnouncerEvents> {
  private readonly tiers: string[][];
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;
  private running?: Promise<void>;
  private readonly key = Math.floor(Math.random() * 0xffffffff).toString(16);
  lastResult?: AnnounceResult;
  lastError?: string;

  constructor(private readonly opts: AnnouncerOptions) {
    super();
    // BEP 12: shuffle each tier once
    this.tiers = opts.tiers.map((t) => [...t].sort(() => Math.random() - 0.5));
  }

  /** The first announce: `started`, or `completed` for a torrent that finished before this announcer took over. */
  start(event: 'started' | 'completed' = 'started'): void {
    this.stopped = false;
    this.now(event);
  }

  /** Announce now (e.g. `completed`, or a user asking for more peers). */
  now(event?: 'started' | 'completed'): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const run = (this.running ?? Promise.resolve()).then(() => this.announceOnce(event));
    this.running = run;
  }

  /**
   * Stops announcing without telling the trackers: the torrent stays in their swarms and someone
   * else announces it from now on (the seeds batch). Resolves once no request of ours is in flight.
   */
  async halt(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
    if (!this.lastResult) return; // never reached a tracker: nothing to withdraw from
    await Promise.allSettled(this.tiers.map((tier) => announce(tier[0], this.params('stopped'), timeoutMs)));
  }

  private params(event?: AnnounceEvent) {
    const { infoHash, peerId, port, numwant } = this.opts;
    return { infoHash, peerId, port, ...this.opts.stats(), event, numwant, key: this.key };
  }

  private async announceOnce(event?: 'started' | 'completed'): Promise<void> {
    let delayMs = 0;
    let anyOk = false;
    // every tier is announced to (STA's LAN use: trackers of different teams); within a
    // tier the first that answers wins and moves to the front
    for (const tier of this.tiers) {
      for (let i = 0; i < tier.length && !this.stopped; i++) {
        const url = tier[i];
        try {
          const result = await announce(url, this.params(event));
          if (this.stopped) return;
          tier.splice(i, 1);
          tier.unshift(url);
          anyOk = true;
          this.lastResult = result;
          this.lastError = undefined;
          delayMs = Math.max(delayMs, result.interval * 1000);
          this.emit('announced', result, url);
          if (result.peers.length > 0) this.emit('peers', result.peers, url);
          if (result.staCatalog === 0) this.emit('unknownToCatalog', url);
          break;
        } catch (e) {
          this.lastError = (e as Error).message;
          this.emit('error', this.lastError, url);
        }
      }
    }
    if (this.stopped) return;
    if (anyOk) {
      this.failures = 0;
    } else {
      const min = this.opts.minBackoffMs ?? MIN_BACKOFF_MS;
      delayMs = Math.min(min * 2 ** this.failures++, this.opts.maxBackoffMs ?? MAX_BACKOFF_MS);
    }
    this.timer = setTimeout(() => this.now(), delayMs);
    this.timer.unref();
  }
}
