// The shapes a torrent session shows the outside: its state, progress, events and options.
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import type { PieceStore } from '../storage/pieceStore';
import type { SeedAnnouncer } from '../trackerClient/seedAnnouncer';
import type { PieceCacheBudget } from './pieceCacheBudget';
import type { Throttle } from './throttle';

export type SessionState = 'checking' | 'downloading' | 'seeding' | 'paused' | 'stopped' | 'failed';

export interface PeerStats {
  address: string;
  client: string;
  downloaded: number;
  uploaded: number;
  downloadRate: number;
  uploadRate: number;
  seeder: boolean;
}

export interface SessionProgress {
  infoHash: string;
  name: string;
  state: SessionState;
  length: number;
  verifiedBytes: number;
  /** verified bytes an update took from the older local copy rather than from peers */
  reusedBytes: number;
  pieces: number;
  piecesTotal: number;
  downloaded: number;
  uploaded: number;
  downloadRate: number;
  uploadRate: number;
  peers: number;
  /** seconds to completion at the current rate; undefined when unknown */
  eta?: number;
}

export type SessionEvents = {
  state: [state: SessionState, reason?: string];
  progress: [p: SessionProgress];
  peerAdded: [address: string];
  peerRemoved: [address: string, reason: string];
  peerBanned: [address: string, reason: string];
  /** the file is complete and verified at `path` */
  done: [path: string];
  warning: [message: string];
  /** the .torrent was (re)published to the STA catalog at `tracker` */
  published: [tracker: string];
  /** the complete file changed on disk since it was hashed: the session stopped serving it and stops */
  stale: [reason: string];
};

/** connections per torrent */
export const DEFAULT_MAX_PEERS = 50;
/** peers we upload to at once (one of them the optimistic unchoke) */
export const DEFAULT_UPLOAD_SLOTS = 8;
/**
 * ~48 MiB holds several pieces per peer in flight plus what waits for disk: beyond that,
 * more memory buys no speed on a LAN and only grows the process.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 48 * 1024 * 1024;

export interface SessionOptions {
  meta: Metainfo;
  store: PieceStore;
  peerId: Buffer;
  /** our listening port, announced to trackers */
  port: number;
  /** tracker tiers; defaults to the torrent's announce-list */
  trackers?: string[][];
  /** workspace-relative path to publish in STA catalogs (seeders only) */
  catalogPath?: string;
  logger?: Logger;
  /** default DEFAULT_MAX_PEERS */
  maxPeers?: number;
  /** default DEFAULT_UPLOAD_SLOTS */
  uploadSlots?: number;
  /** most bytes of pieces held in memory (being assembled, verified or written); default DEFAULT_MAX_BUFFERED_BYTES */
  maxBufferedBytes?: number;
  /** address to dial peers from (binds outgoing sockets), e.g. 127.0.0.1 in tests */
  localAddress?: string;
  /** shared upload rate limit */
  uploadThrottle?: Throttle;
  /** shared download rate limit: paces reads from the peers we dial (the engine paces those it accepts) */
  downloadThrottle?: Throttle;
  /** the engine's one piece-cache budget; default: a budget of this session's own */
  pieceCacheBudget?: PieceCacheBudget;
  /** connections the engine may still open for all its torrents together; dials stop at 0 */
  connectionRoom?: () => number;
  /** the engine's seeds batch: a complete torrent is announced in it to trackers that take batches */
  seedAnnouncer?: SeedAnnouncer;
}

/** "-ST0100-…" → "ST 0100"; other styles as printable text. */
export function clientName(peerId: Buffer): string {
  const s = peerId.toString('latin1');
  const m = /^-([A-Za-z0-9]{2})([A-Za-z0-9]{4})-/.exec(s);
  if (m) return `${m[1]} ${m[2]}`;
  return s.slice(0, 8).replace(/[^\x20-\x7e]/g, '?');
}
