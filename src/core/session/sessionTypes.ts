// The shapes a torrent session shows the outside: its state, progress, events and options.
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import type { PieceStore } from '../storage/pieceStore';
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
  pieceVerified: [index: number];
  peerAdded: [address: string];
  peerRemoved: [address: string, reason: string];
  peerBanned: [address: string, reason: string];
  /** the file is complete and verified at `path` */
  done: [path: string];
  warning: [message: string];
  /** the .torrent was (re)published to the STA catalog at `tracker` */
  published: [tracker: string];
};

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
  maxPeers?: number;
  uploadSlots?: number;
  /** most bytes of pieces held in memory (being assembled, verified or written) */
  maxBufferedBytes?: number;
  announceNumwant?: number;
  /** address to dial peers from (binds outgoing sockets), e.g. 127.0.0.1 in tests */
  localAddress?: string;
  /** shared upload rate limit */
  uploadThrottle?: Throttle;
}

/** "-ST0100-…" → "ST 0100"; other styles as printable text. */
export function clientName(peerId: Buffer): string {
  const s = peerId.toString('latin1');
  const m = /^-([A-Za-z0-9]{2})([A-Za-z0-9]{4})-/.exec(s);
  if (m) return `${m[1]} ${m[2]}`;
  return s.slice(0, 8).replace(/[^\x20-\x7e]/g, '?');
}
