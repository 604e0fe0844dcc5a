// One tracker's part of the seeds batch: which torrents it has heard about, what to tell it next
// (`stopped` for leavers, `completed` and `started` for newcomers, a plain re-announce of all each
// interval), which ones its catalog lost (republished in batches), and whether it takes batches at
// all. Requests to one tracker go one at a time, in order.
import { MAX_SEEDS_PER_ANNOUNCE } from '../catalogWire';
import { Logger } from '../log';
import { publishTorrents } from './catalogClient';
import type { SeedHandle } from './seedAnnouncer';
import { announceSeeds, SeedsAnnounceResult } from './seedsAnnounce';
import { TrackerError } from './trackerError';
import { withoutTeamKey } from './urls';

/** seconds between regular batches until the tracker says */
const DEFAULT_INTERVAL_S = 60;
/** a first newcomer waits this long for the others that come with it (a folder's files register one by one) */
const GATHER_MS = 50;

export interface TrackerSeedsOptions {
  url: string;
  peerId: Buffer;
  port: () => number;
  key: string;
  log: Logger;
  flushDelayMs: number;
  laterRetryMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  timeoutMs?: number;
}

type NewcomerEvent = 'started' | 'completed';

interface Entry {
  seed: SeedHandle;
  /** the tracker has been told (or is being told) about it */
  announced: boolean;
  /** what its first announce says */
  event: NewcomerEvent;
  /** when it was last republished: once an interval at most, whatever a tracker answers */
  republishedAt?: number;
}

/** An info-hash in a request, with its entry when it is one of ours (not for leavers). */
interface Item {
  hex: string;
  infoHash: Buffer;
  entry?: Entry;
}

export class TrackerSeeds {
  /** true: takes seeds announces; false: does not, and its torrents went back to their own announcers; undefined: not asked yet */
  support?: boolean;
  private readonly entries = new Map<string, Entry>();
  /** removed after the tracker heard of them: `stopped` goes out with the next flush */
  private readonly leaving = new Map<string, Buffer>();
  private readonly publishing = new Set<string>();
  private interval = DEFAULT_INTERVAL_S;
  private failures = 0;
  private flushTimer?: NodeJS.Timeout;
  private flushAt = Infinity;
  private lastFlush = -Infinity;
  private tickTimer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly shown: string;

  constructor(private readonly o: TrackerSeedsOptions) {
    this.shown = withoutTeamKey(o.url);
  }

  get size(): number {
    return this.entries.size;
  }

  add(seed: SeedHandle, event: NewcomerEvent): boolean {
    if (this.support === false || this.closed) return false;
    const hex = seed.infoHashHex;
    const e = this.entries.get(hex);
    if (e) {
      e.seed = seed;
      return true;
    }
    this.entries.set(hex, { seed, announced: false, event });
    this.leaving.delete(hex);
    this.soon();
    return true;
  }

  remove(seed: SeedHandle): void {
    const hex = seed.infoHashHex;
    const e = this.entries.get(hex);
    if (!e || e.seed !== seed) return;
    this.entries.delete(hex);
    if (!e.announced) return;
    this.leaving.set(hex, seed.infoHash);
    this.soon();
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.clearTimers();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    if (this.support === false) return;
    const items: Item[] = [...this.leaving].map(([hex, infoHash]) => ({ hex, infoHash }));
    for (const [hex, e] of this.entries) if (e.announced) items.push({ hex, infoHash: e.seed.infoHash });
    this.entries.clear();
    this.leaving.clear();
    for (let i = 0; i < items.length; i += MAX_SEEDS_PER_ANNOUNCE) {
      const chunk = items.slice(i, i + MAX_SEEDS_PER_ANNOUNCE);
      await this.request('stopped', chunk, timeoutMs).catch(() => undefined);
    }
  }

  /**
   * A flush after `delayMs`, and at most one per flushDelayMs: a newcomer after a quiet spell goes
   * out at once (its file is listed within moments), a stream of them about once a second. While
   * the tracker is failing, the backoff retry takes everything.
   */
  private soon(delayMs = GATHER_MS, spaced = true): void {
    if (this.closed || this.support === false || this.failures > 0) return;
    const now = Date.now();
    const at = spaced ? Math.max(now + delayMs, this.lastFlush + this.o.flushDelayMs) : now + delayMs;
    if (this.flushTimer && this.flushAt <= at) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushAt = at;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushAt = Infinity;
      this.enqueue(() => this.flush());
    }, at - now);
    this.flushTimer.unref();
  }

  private tickIn(delayMs: number): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => {
      this.tickTimer = undefined;
      this.enqueue(() => this.tick());
    }, delayMs);
    this.tickTimer.unref();
  }

  private clearTimers(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.flushTimer = this.tickTimer = undefined;
    this.flushAt = Infinity;
  }

  private enqueue(job: () => Promise<unknown>): void {
    this.chain = this.chain.then(job).then(
      () => undefined,
      (e) => this.o.log.error(`seeds announce to ${this.shown}: ${(e as Error).message}`),
    );
  }

  /** Leavers (`stopped`), then newcomers (`completed`, `started`); false when the tracker failed. */
  private async flush(): Promise<boolean> {
    if (this.closed || this.support === false) return false;
    this.lastFlush = Date.now();
    const leavers: Item[] = [...this.leaving].map(([hex, infoHash]) => ({ hex, infoHash }));
    if (leavers.length > 0) {
      if (!(await this.send('stopped', leavers))) return false;
      for (const l of leavers) if (this.leaving.get(l.hex) === l.infoHash) this.leaving.delete(l.hex);
    }
    for (const event of ['completed', 'started'] as const) {
      const group: Item[] = [];
      for (const [hex, e] of this.entries) if (!e.announced && e.event === event) group.push({ hex, infoHash: e.seed.infoHash, entry: e });
      if (group.length > 0 && !(await this.send(event, group))) return false;
    }
    if (this.tickTimer === undefined && this.entries.size > 0) this.tickIn(this.interval * 1000);
    return true;
  }

  /** Every interval (and after a failure): the flush, then every torrent the tracker knows, without an event. */
  private async tick(): Promise<void> {
    if (!(await this.flush())) return;
    const known: Item[] = [];
    for (const [hex, e] of this.entries) if (e.announced) known.push({ hex, infoHash: e.seed.infoHash, entry: e });
    if (known.length > 0 && !(await this.send(undefined, known))) return;
    if (this.entries.size > 0) this.tickIn(this.interval * 1000);
  }

  /** Sends `items` in requests of at most MAX_SEEDS_PER_ANNOUNCE; false (and the failure dealt with) when one failed. */
  private async send(event: NewcomerEvent | 'stopped' | undefined, items: Item[]): Promise<boolean> {
    for (let i = 0; i < items.length; i += MAX_SEEDS_PER_ANNOUNCE) {
      const chunk = items.slice(i, i + MAX_SEEDS_PER_ANNOUNCE);
      // marked before the answer: a torrent removed meanwhile is then sent `stopped`
      for (const it of chunk) if (it.entry) it.entry.announced = true;
      let result: SeedsAnnounceResult;
      try {
        result = await this.request(event, chunk, this.o.timeoutMs);
      } catch (e) {
        for (const it of chunk) if (it.entry && this.entries.get(it.hex) === it.entry) it.entry.announced = false;
        this.failed(e);
        return false;
      }
      this.answered(result);
    }
    return true;
  }

  private request(event: NewcomerEvent | 'stopped' | undefined, chunk: Item[], timeoutMs?: number): Promise<SeedsAnnounceResult> {
    const { url, peerId, key } = this.o;
    return announceSeeds(url, { peerId, port: this.o.port(), event, key, infoHashes: chunk.map((c) => c.infoHash) }, timeoutMs);
  }

  private answered(r: SeedsAnnounceResult): void {
    if (this.failures > 0) this.o.log.info(`tracker ${this.shown} answers seeds announces again`);
    this.failures = 0;
    this.support = true;
    this.interval = r.interval;
    // not taken this time (the tracker's announce rate): newcomers again, sent after a pause
    for (const hex of r.later) {
      const e = this.entries.get(hex);
      if (e) e.announced = false;
    }
    if (r.later.length > 0) this.soon(this.o.laterRetryMs);
    for (const hex of r.wanted) this.entries.get(hex)?.seed.wanted?.(this.o.url);
    if (r.unknown.length > 0) this.enqueue(() => this.republish(r.unknown));
  }

  private failed(e: unknown): void {
    if (e instanceof TrackerError && e.kind === 'unsupported') return this.unsupported();
    if (this.failures++ === 0) this.o.log.warn(`tracker ${this.shown}: seeds announce failed (${(e as Error).message}); retrying with backoff`);
    this.clearTimers();
    this.tickIn(Math.min(this.o.minBackoffMs * 2 ** (this.failures - 1), this.o.maxBackoffMs));
  }

  /** Not an STA tracker (or an old one): each torrent goes back to its own announcer. */
  private unsupported(): void {
    this.support = false;
    this.clearTimers();
    const all = [...this.entries.values()];
    this.entries.clear();
    this.leaving.clear();
    this.o.log.info(`tracker ${this.shown} does not take batched seeds announces: its ${all.length} torrents are announced one by one`);
    for (const e of all) e.seed.fallback(this.o.url);
  }

  /** Publishes the torrents the catalog does not list, then announces them again; one it will not take goes back to its own announcer. */
  private async republish(hexes: string[]): Promise<void> {
    if (this.closed) return;
    const items: Entry[] = [];
    for (const hex of hexes) {
      const e = this.entries.get(hex);
      if (!e || this.publishing.has(hex)) continue;
      if (e.republishedAt !== undefined && Date.now() - e.republishedAt < this.interval * 1000) continue;
      if (e.seed.catalogPath === undefined) this.handBack(e);
      else items.push(e);
    }
    if (items.length === 0) return;
    for (const e of items) this.publishing.add(e.seed.infoHashHex);
    const torrents = items.map((e) => ({ torrent: e.seed.torrent, path: e.seed.catalogPath! }));
    const outcomes = await publishTorrents(this.o.url, torrents, this.o.timeoutMs);
    let again = false;
    outcomes.forEach((out, i) => {
      const e = items[i];
      this.publishing.delete(e.seed.infoHashHex);
      if (this.entries.get(e.seed.infoHashHex) !== e) return; // gone meanwhile
      if (out.ok) {
        // a torrent nobody had announced got no swarm from the batch: it is announced again, now listed
        e.announced = false;
        e.republishedAt = Date.now();
        again = true;
        e.seed.published?.(this.o.url);
      } else if (out.status !== undefined) {
        this.o.log.warn(`could not publish ${e.seed.name} to ${this.shown}: ${out.error}`);
        this.handBack(e);
      } // no status: the tracker did not answer; the next batch names it unknown again
    });
    // announced again at once: the listing is what a leecher is waiting for
    if (again) this.soon(0, false);
  }

  private handBack(e: Entry): void {
    this.entries.delete(e.seed.infoHashHex);
    e.seed.fallback(this.o.url);
  }
}
