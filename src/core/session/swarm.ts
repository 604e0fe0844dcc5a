// The peers of one torrent (Transmission's peer-mgr): whom we admit (not banned, within the
// limit, one connection per peer), how each connection is wired to the downloader, uploader
// and choker, bans for bad pieces, and the chores that go over every peer.
import { TypedEmitter } from '../events';
import type { Logger } from '../log';
import { infoDictOf } from '../magnet/infoDict';
import type { Metainfo } from '../metainfo';
import type { PieceStore } from '../storage/pieceStore';
import type { PeerAddress } from '../trackerClient/peers';
import type { ReadyConnection } from '../wire/peerConnection';
import { hostOf } from '../wire/peerIo';
import { Choker } from './choker';
import type { Downloader } from './downloader';
import { PeerDialer } from './peerDialer';
import { PeerStrikes } from './peerStrikes';
import { clientName } from './sessionTypes';
import type { Throttle } from './throttle';
import type { Uploader } from './uploader';

export type SwarmEvents = {
  peerAdded: [address: string];
  peerRemoved: [address: string, reason: string];
  peerBanned: [address: string, reason: string];
};

export interface SwarmOptions {
  meta: Pick<Metainfo, 'infoHash' | 'pieceCount'> & Partial<Pick<Metainfo, 'torrent'>>;
  store: Pick<PieceStore, 'have' | 'complete'>;
  peerId: Buffer;
  /** binds outgoing sockets to this address */
  localAddress?: string;
  /** paces what outgoing sockets read (the download limit) */
  downloadThrottle?: Throttle;
  maxPeers: number;
  uploadSlots: number;
  log: Logger;
  /** true while downloading or seeding: otherwise connections are refused */
  active: () => boolean;
  /** connections the engine may still open, for all torrents together */
  room?: () => number;
  downloader: Downloader;
  uploader: Uploader;
}

export class Swarm extends TypedEmitter<SwarmEvents> {
  private readonly peers = new Set<ReadyConnection>();
  private readonly strikes = new PeerStrikes();
  private readonly choker: Choker;
  private readonly dialer: PeerDialer;

  constructor(private readonly o: SwarmOptions) {
    super();
    this.choker = new Choker(o.uploadSlots);
    this.dialer = new PeerDialer({
      peerId: o.peerId,
      infoHash: o.meta.infoHash,
      pieceCount: o.meta.pieceCount,
      localAddress: o.localAddress,
      downloadThrottle: o.downloadThrottle,
      log: o.log,
      active: o.active,
      isBanned: (address) => this.strikes.isBanned(address) || this.strikes.isBanned(hostOf(address)),
      isConnected: (address) => this.dialedTo(address),
      attach: (conn) => this.attach(conn),
    });
  }

  /** the connected peers */
  get connections(): ReadonlySet<ReadyConnection> {
    return this.peers;
  }

  /** Peer addresses from a tracker: dialled as room allows. */
  addCandidates(peers: PeerAddress[]): void {
    this.dialer.add(peers, this.o.store.complete);
    this.dialMore();
  }

  /** connected peers and dials in flight */
  get connectionCount(): number {
    return this.peers.size + this.dialer.dialing;
  }

  /** no peer connected, none being dialled, none left to dial: nothing for the session's chores to do */
  get quiet(): boolean {
    return this.peers.size === 0 && this.dialer.dialing === 0 && this.dialer.known === 0;
  }

  dialMore(): void {
    // most seeded files have nobody to dial: skip them before asking the engine (a sum over every torrent)
    if (!this.o.active() || this.dialer.known === 0) return;
    const room = this.o.maxPeers - this.connectionCount;
    if (room > 0) this.dialer.dial(this.o.room ? Math.min(room, this.o.room()) : room);
  }

  private dialedTo(address: string): boolean {
    for (const conn of this.peers) if (conn.outgoing && conn.address === address) return true;
    return false;
  }

  /** Takes a handshaken connection (ours or accepted by the engine's listener); false when refused (it is then closed). */
  attach(conn: ReadyConnection): boolean {
    const id = conn.peerId.toString('hex');
    const refusal = this.refusal(conn, id);
    if (refusal) conn.close(refusal);
    if (refusal || !this.dialer.settleDuplicate(conn, this.peers)) return false;
    this.peers.add(conn);
    this.o.downloader.add(conn, id);
    this.o.uploader.add(conn);
    conn.on('interested', () => this.rechoke(false));
    conn.on('notInterested', () => this.rechoke(false));
    conn.once('close', (reason) => this.detach(conn, reason));
    conn.sendBitfield(this.o.store.have);
    conn.extensions.offerMetadata(() => infoDictOf(this.o.meta)); // BEP 9: magnet peers fetch the info dict from us
    this.emit('peerAdded', conn.address);
    this.o.log.debug(`peer ${conn.address} connected (${clientName(conn.peerId)})`);
    this.rechoke(false);
    return true;
  }

  private refusal(conn: ReadyConnection, id: string): string | undefined {
    if (!this.o.active()) return 'torrent is not active';
    if (this.strikes.isBanned(id) || this.strikes.isBanned(conn.address) || this.strikes.isBanned(hostOf(conn.address))) return 'banned';
    if (this.peers.size >= this.o.maxPeers) return 'too many peers';
    return undefined;
  }

  private detach(conn: ReadyConnection, reason: string): void {
    if (!this.peers.delete(conn)) return;
    this.o.downloader.remove(conn);
    this.o.uploader.remove(conn);
    if (conn.have.complete && conn.outgoing) this.dialer.finishedWith(conn.address, this.o.store.complete);
    this.emit('peerRemoved', conn.address, reason);
    this.o.log.debug(`peer ${conn.address} left: ${reason}`);
    this.rechoke(false);
    this.o.downloader.fillAll();
  }

  /** Piece `index` from `contributors` (peer ids) failed its check: its sole sender is banned; several go on parole. */
  badPiece(index: number, contributors: Set<string>): void {
    const { ban, parole } = this.strikes.badPiece(contributors);
    const from = `from ${contributors.size} peer${contributors.size === 1 ? '' : 's'}`;
    const then = parole.length > 0 ? '; fetching it again from one peer before blaming anyone' : '';
    this.o.log.warn(`piece ${index} failed its SHA-1 check (${from})${then}`);
    if (parole.length > 0) this.o.downloader.parole(index, parole);
    const reason = `sent data that failed the hash check of piece ${index}`;
    for (const id of ban) {
      this.o.downloader.forget(id);
      for (const conn of this.peers) {
        if (conn.peerId.toString('hex') !== id) continue;
        // an incoming peer's port is ephemeral: it is kept out by its IP; a dialled one by the address it listens on
        this.strikes.ban(id, conn.outgoing ? conn.address : hostOf(conn.address));
        this.emit('peerBanned', conn.address, reason);
        this.o.log.warn(`banned ${conn.address}: ${reason}`);
        conn.close(`banned: ${reason}`);
      }
    }
  }

  /** `periodic`: a full round that may take slots away; otherwise only free slots are filled. */
  rechoke(periodic: boolean): void {
    const { downloader, uploader } = this.o;
    const peers = [...this.peers].map((conn) => ({ conn, downloadRate: downloader.rate(conn), uploadRate: uploader.rate(conn) }));
    this.choker.rechoke(peers, this.o.store.complete, periodic);
  }

  /** Interest follows what peers have; once we seed, complete peers have nothing left to trade. */
  updateInterest(): void {
    if (!this.o.store.complete) return this.o.downloader.updateInterestAll();
    for (const conn of this.peers) if (conn.ready && conn.have.complete) conn.close('both complete');
  }

  /** We have every piece now: we want nothing, and seeders have nothing to trade with us. */
  seeding(): void {
    for (const conn of this.peers) {
      conn.interested(false);
      if (conn.have.complete) conn.close('both complete');
    }
  }

  /** Closes every connection and forgets the addresses to dial. */
  stop(reason: string): void {
    for (const conn of [...this.peers]) conn.close(reason);
    this.dialer.clear();
  }
}
