// One torrent's link to its trackers while it runs: announced with our totals, the peers they
// name handed on, and the .torrent published to an STA catalog that does not list it yet. A
// complete torrent goes into the engine's seeds batch (SeedAnnouncer: one request per tracker
// per interval for all of them) wherever a tracker takes batches; a download, a standard
// tracker or a tier of several trackers keeps an Announcer of its own. A download that
// completes moves into the batch; a tracker that turns out not to take batches hands it back.
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import { announce } from '../trackerClient/announce';
import { Announcer, AnnounceStats } from '../trackerClient/announcer';
import { publishTorrent } from '../trackerClient/catalogClient';
import type { PeerAddress } from '../trackerClient/peers';
import type { SeedAnnouncer, SeedHandle } from '../trackerClient/seedAnnouncer';
import { announceUrlOf } from '../trackerClient/urls';

export interface TrackerLinkOptions {
  meta: Metainfo;
  /** BEP 12 tiers of announce URLs */
  tiers: string[][];
  peerId: Buffer;
  /** our listening port */
  port: number;
  /** workspace-relative path to publish in STA catalogs; undefined: never published */
  catalogPath?: string;
  log: Logger;
  stats: () => AnnounceStats;
  /** only a complete torrent is published */
  complete: () => boolean;
  peers: (peers: PeerAddress[]) => void;
  warn: (message: string) => void;
  published: (tracker: string) => void;
  /** the engine's seeds batch; without one every tier has its own announcer */
  seeds?: SeedAnnouncer;
}

/**
 * Announces `started` at once (in the batch within about a second); one link per run of the torrent. It is
 * its torrent's handle in the seeds batch itself, and makes its collections on first use: a workspace
 * seeds thousands of files, each with a link, most of them only ever in the batch.
 */
export class TrackerLink implements SeedHandle {
  /** the tiers announced on their own */
  private announcers: Map<string[], Announcer> | undefined;
  /** the tiers the seeds batch announces, with the URL it knows each by (one, as a rule) */
  private batched: [url: string, tier: string[]][] = [];
  /** tiers moving from their announcer into the batch */
  private moving: Promise<void> | undefined;
  private stopped = false;
  /** trackers asked for this torrent's peers right now (one request at a time each) */
  private asking: Set<string> | undefined;

  constructor(private readonly o: TrackerLinkOptions) {
    const complete = o.complete();
    for (const tier of o.tiers) if (!(complete && this.toBatch(tier, 'started'))) this.announce(tier, 'started');
  }

  get infoHash(): Buffer {
    return this.o.meta.infoHash;
  }

  get infoHashHex(): string {
    return this.o.meta.infoHashHex;
  }

  get torrent(): Buffer {
    return this.o.meta.torrent;
  }

  get name(): string {
    return this.o.meta.name;
  }

  get catalogPath(): string | undefined {
    return this.o.catalogPath;
  }

  /** The batch republished the torrent to the catalog at `url`. */
  published(url: string): void {
    this.o.published(url);
  }

  /** The batch says the torrent has leechers at `url`. */
  wanted(url: string): void {
    void this.askForPeers(url);
  }

  /** We have every piece: trackers hear `completed` now rather than at the next interval. */
  completed(): void {
    for (const [tier, announcer] of [...(this.announcers ?? [])]) {
      if (!this.batchable(tier)) {
        announcer.now('completed');
        continue;
      }
      this.announcers!.delete(tier);
      // its announce in flight (left > 0) must not land after the batch's `completed`
      this.moving = (this.moving ?? Promise.resolve())
        .then(() => announcer.halt())
        .then(() => {
          if (!this.toBatch(tier, 'completed')) this.announce(tier, 'completed');
        });
    }
  }

  /** Announces `stopped` (the batch's within about a second). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.moving;
    for (const [url] of this.batched) this.o.seeds?.remove(url, this);
    this.batched = [];
    const announcers = [...(this.announcers?.values() ?? [])];
    this.announcers = undefined;
    await Promise.all(announcers.map((a) => a.stop()));
  }

  /** One URL alone in its tier, at a tracker not known to refuse batches. */
  private batchable(tier: string[]): boolean {
    return this.o.seeds !== undefined && tier.length === 1 && this.o.seeds.supports(tier[0]) !== false;
  }

  /** Hands `tier` to the seeds batch; false when it cannot take it. */
  private toBatch(tier: string[], event: 'started' | 'completed'): boolean {
    if (!this.batchable(tier) || !this.o.seeds!.add(tier[0], this, event)) return false;
    this.batched.push([announceUrlOf(tier[0]), tier]);
    return true;
  }

  /** The tracker at `url` does not take batches (or its catalog will not list us): the tier gets its own announcer. */
  fallback(url: string): void {
    const at = this.batched.findIndex(([u]) => u === url);
    if (at < 0) return;
    const [, tier] = this.batched.splice(at, 1)[0];
    if (!this.stopped) this.announce(tier, 'started');
  }

  private announce(tier: string[], event: 'started' | 'completed'): void {
    const o = this.o;
    const announcer = new Announcer({ tiers: [tier], infoHash: o.meta.infoHash, peerId: o.peerId, port: o.port, stats: o.stats });
    announcer.on('peers', (peers) => o.peers(peers));
    announcer.on('error', (msg, url) => o.warn(`tracker ${url}: ${msg}`));
    announcer.on('unknownToCatalog', (url) => this.publish(url));
    (this.announcers ??= new Map()).set(tier, announcer);
    announcer.start(event);
  }

  /**
   * The batch says the torrent has leechers at `url`: one announce of our own brings their
   * addresses, and we dial them (a client that never dials what a tracker names still gets served).
   */
  private async askForPeers(url: string): Promise<void> {
    if (this.stopped || this.asking?.has(url)) return;
    (this.asking ??= new Set()).add(url);
    const o = this.o;
    try {
      const r = await announce(url, { infoHash: o.meta.infoHash, peerId: o.peerId, port: o.port, ...o.stats() });
      if (!this.stopped && r.peers.length > 0) o.peers(r.peers);
    } catch {
      // the batch keeps the torrent announced; the next one asks again
    } finally {
      this.asking?.delete(url);
    }
  }

  private async publish(url: string): Promise<void> {
    const { meta, catalogPath, log } = this.o;
    if (!this.o.complete() || catalogPath === undefined) return;
    try {
      await publishTorrent(url, meta.torrent, catalogPath);
      log.info(`published ${meta.name} to ${url}`);
      this.o.published(url);
    } catch (e) {
      this.o.warn(`could not publish ${meta.name}: ${(e as Error).message}`);
    }
  }
}
