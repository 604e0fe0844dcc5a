// What an Engine is made with: where it listens, whom it announces to, its limits (connections,
// bandwidth both ways, piece cache). Every field is optional; the defaults are named where they live.
import type { Logger } from './log';

export interface EngineOptions {
  /** address to listen on; '0.0.0.0' to be reachable from the LAN */
  host?: string;
  /** 0 = any free port */
  port?: number;
  /** tracker URLs; each is its own BEP 12 tier. Empty: use each torrent's own trackers */
  trackers?: string[];
  logger?: Logger;
  /** default DEFAULT_MAX_PEERS */
  maxPeersPerTorrent?: number;
  /** default DEFAULT_UPLOAD_SLOTS */
  uploadSlots?: number;
  /** per torrent; default DEFAULT_MAX_BUFFERED_BYTES */
  maxBufferedBytes?: number;
  /** upload limit in bytes per second for all torrents together; 0 or absent: none */
  maxUploadRate?: number;
  /** download limit in bytes per second for all torrents together (reads from peers are paced); 0 or absent: none */
  maxDownloadRate?: number;
  /** bind outgoing connections to this address; default: `host` when that is a loopback address, so all traffic stays on it */
  localAddress?: string;
  /** connections of all torrents together, handshakes under way included; default DEFAULT_MAX_CONNECTIONS */
  maxConnections?: number;
  /** bytes of piece cache for all seeded files together; default DEFAULT_PIECE_CACHE_BUDGET */
  pieceCacheBudget?: number;
  /** a file unread this long gives its cache back; default DEFAULT_PIECE_CACHE_IDLE_MS */
  pieceCacheIdleMs?: number;
}
