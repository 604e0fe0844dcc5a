// What `sta tracker` (or a test) may set on the tracker, and the defaults of what it leaves out.
import { Logger } from '../log';
import { MAX_TORRENT_BYTES } from '../metainfo';
import { DEFAULT_INTERVAL, DEFAULT_MAX_PEERS, DEFAULT_NUMWANT } from './announceRoute';
import { MAX_CATALOG_ENTRIES } from './catalog';
import * as limits from './limits';
import { DEFAULT_MAX_SCRAPE } from './scrapeRoute';

export interface TrackerOptions {
  host?: string;
  port?: number;
  /** seconds between announces that the tracker asks for */
  interval?: number;
  minInterval?: number;
  /** honour the `ip` announce parameter (lets anyone point a swarm anywhere: off by default) */
  trustIpParam?: boolean;
  /** most peers in one response (`numwant` is capped to it) */
  maxPeers?: number;
  defaultNumwant?: number;
  /** most info_hash values in one scrape */
  maxScrape?: number;
  maxTorrentBytes?: number;
  maxCatalogEntries?: number;
  /** the team key: every route then lives under /KEY/ (TEAM_KEY_PATTERN) */
  key?: string;
  maxCatalogBytes?: number;
  maxEntriesPerAddress?: number;
  maxSwarms?: number;
  maxPeersPerSwarm?: number;
  maxTrackedPeers?: number;
  /** announces per second per source address (0: no limit), and the burst allowed */
  announceRate?: number;
  announceBurst?: number;
  maxConnections?: number;
  maxRequestsPerSocket?: number;
  logger?: Logger;
}

export type TrackerSettings = Required<Omit<TrackerOptions, 'logger' | 'key'>> & { key?: string };

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 7070;

export function settingsOf(o: TrackerOptions): TrackerSettings {
  const interval = o.interval ?? DEFAULT_INTERVAL;
  const maxPeers = o.maxPeers ?? DEFAULT_MAX_PEERS;
  return {
    host: o.host ?? DEFAULT_HOST,
    port: o.port ?? DEFAULT_PORT,
    interval,
    minInterval: Math.min(o.minInterval ?? Math.max(1, Math.floor(interval / 2)), interval),
    trustIpParam: o.trustIpParam ?? false,
    maxPeers,
    defaultNumwant: Math.min(o.defaultNumwant ?? DEFAULT_NUMWANT, maxPeers),
    maxScrape: o.maxScrape ?? DEFAULT_MAX_SCRAPE,
    maxTorrentBytes: Math.min(o.maxTorrentBytes ?? limits.DEFAULT_MAX_PUBLISH_BYTES, MAX_TORRENT_BYTES),
    maxCatalogEntries: o.maxCatalogEntries ?? MAX_CATALOG_ENTRIES,
    key: o.key,
    maxCatalogBytes: o.maxCatalogBytes ?? limits.DEFAULT_MAX_CATALOG_BYTES,
    maxEntriesPerAddress: o.maxEntriesPerAddress ?? limits.DEFAULT_MAX_ENTRIES_PER_ADDRESS,
    maxSwarms: o.maxSwarms ?? limits.DEFAULT_MAX_SWARMS,
    maxPeersPerSwarm: o.maxPeersPerSwarm ?? limits.DEFAULT_MAX_PEERS_PER_SWARM,
    maxTrackedPeers: o.maxTrackedPeers ?? limits.DEFAULT_MAX_TRACKED_PEERS,
    announceRate: o.announceRate ?? limits.DEFAULT_ANNOUNCE_RATE,
    announceBurst: o.announceBurst ?? limits.DEFAULT_ANNOUNCE_BURST,
    maxConnections: o.maxConnections ?? limits.DEFAULT_MAX_CONNECTIONS,
    maxRequestsPerSocket: o.maxRequestsPerSocket ?? limits.DEFAULT_MAX_REQUESTS_PER_SOCKET,
  };
}
