// Dialling peers for one torrent: whom (the candidates table), from which local address, how
// long a connect may take, and which of two connections to the same peer survives.
import { connect, Socket } from 'node:net';
import type { Logger } from '../log';
import type { PeerAddress } from '../trackerClient/peers';
import { PeerConnection, ReadyConnection } from '../wire/peerConnection';
import { PooledReads } from '../wire/peerIo';
import { Candidate, PeerCandidates } from './peerCandidates';
import { paceReads, type Throttle } from './throttle';

const CONNECT_TIMEOUT_MS = 5000;

/** What settling a duplicate needs of a connection. */
export type DuplicateCandidate = Pick<ReadyConnection, 'peerId' | 'outgoing' | 'close'>;

export interface PeerDialerOptions {
  peerId: Buffer;
  infoHash: Buffer;
  pieceCount: number;
  /** binds outgoing sockets to this address */
  localAddress?: string;
  /** paces what the sockets read (the download limit) */
  downloadThrottle?: Throttle;
  log: Logger;
  isBanned: (address: string) => boolean;
  /** false once the torrent stopped: a connect that completes then is dropped */
  active: () => boolean;
  /** an outgoing connection to `address` is up */
  isConnected: (address: string) => boolean;
  /** the handshake is done; false when the session refused the connection */
  attach: (conn: ReadyConnection) => boolean;
}

export class PeerDialer {
  private readonly candidates: PeerCandidates;

  constructor(private readonly opts: PeerDialerOptions) {
    this.candidates = new PeerCandidates(opts.isBanned);
  }

  /** connects in flight */
  get dialing(): number {
    return this.candidates.dialingCount;
  }

  /** addresses left to dial (now or after a backoff) */
  get known(): number {
    return this.candidates.size;
  }

  /** Addresses from a tracker; `seeding` skips the seeders we already finished with. */
  add(peers: PeerAddress[], seeding: boolean): void {
    this.candidates.add(peers, seeding);
  }

  /** A seeder left after a complete exchange: once we seed too there is nothing to trade. */
  finishedWith(address: string, seeding: boolean): void {
    this.candidates.finishedWith(address, seeding);
  }

  clear(): void {
    this.candidates.clear();
  }

  /** Dials up to `room` of the candidates that are due. */
  dial(room: number): void {
    for (const c of this.candidates.take(room, this.opts.isConnected)) this.open(c);
  }

  /**
   * Both sides dialled each other: the connection opened by the smaller peer id survives, on
   * both ends alike. Closes the loser among `fresh` and its twin in `connected`; false if `fresh` lost.
   */
  settleDuplicate(fresh: DuplicateCandidate, connected: Iterable<DuplicateCandidate>): boolean {
    for (const other of connected) {
      if (!other.peerId.equals(fresh.peerId)) continue;
      const initiator = (c: DuplicateCandidate) => (c.outgoing ? this.opts.peerId : c.peerId);
      if (Buffer.compare(initiator(fresh), initiator(other)) >= 0) {
        fresh.close('duplicate connection');
        return false;
      }
      other.close('duplicate connection');
      return true;
    }
    return true;
  }

  private open(c: Candidate): void {
    let socket: Socket;
    let pooled: PooledReads | undefined;
    try {
      // with a download limit, reads are paced through 'data' (paceReads); else into the shared buffer
      pooled = this.opts.downloadThrottle ? undefined : new PooledReads();
      socket = connect({ host: c.ip, port: c.port, localAddress: this.opts.localAddress, onread: pooled?.options });
    } catch {
      return this.candidates.failed(c);
    }
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timed out')));
    const failed = (e: Error) => {
      this.candidates.failed(c);
      this.opts.log.debug(`dial ${c.key} failed: ${e.message}`);
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      socket.off('error', failed);
      socket.setTimeout(0);
      this.candidates.connected(c);
      if (!this.opts.active()) return void socket.destroy();
      if (this.opts.downloadThrottle) paceReads(socket, this.opts.downloadThrottle);
      const { peerId: ourPeerId, infoHash, pieceCount } = this.opts;
      const conn = new PeerConnection(socket, { outgoing: true, ourPeerId, infoHash, pieceCount }, pooled);
      let attached = false;
      conn.once('ready', (ready) => (attached = this.opts.attach(ready)));
      conn.once('close', (reason) => {
        if (attached) return;
        this.candidates.failed(c);
        this.opts.log.debug(`peer ${c.key} closed before the handshake: ${reason}`);
      });
    });
  }
}
