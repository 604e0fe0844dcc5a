// One torrent's link to its trackers while it runs: announced with our totals, the peers they
// name handed on, and the .torrent published to an STA catalog that does not list it yet.
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import { Announcer, AnnounceStats } from '../trackerClient/announcer';
import { publishTorrent } from '../trackerClient/catalogClient';
import type { PeerAddress } from '../trackerClient/peers';

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
}

/** Announces `started` at once; one link per run of the torrent. */
export class TrackerLink {
  private readonly announcer: Announcer;

  constructor(private readonly o: TrackerLinkOptions) {
    this.announcer = new Announcer({ tiers: o.tiers, infoHash: o.meta.infoHash, peerId: o.peerId, port: o.port, stats: o.stats });
    this.announcer.on('peers', (peers) => o.peers(peers));
    this.announcer.on('error', (msg, url) => o.warn(`tracker ${url}: ${msg}`));
    this.announcer.on('unknownToCatalog', (url) => this.publish(url));
    this.announcer.start();
  }

  /** We have every piece: trackers hear `completed` now rather than at the next interval. */
  completed(): void {
    this.announcer.now('completed');
  }

  /** Announces `stopped`. */
  stop(): Promise<void> {
    return this.announcer.stop();
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
