// One torrent's swarm as seen from this peer: the connections, what to ask of each,
// verification and storage of what arrives, serving what we have, and the announcer.
import { connect, Socket } from 'node:net';
import { TypedEmitter } from '../events';
import { Logger, silentLogger } from '../log';
import { Metainfo, pieceSize } from '../metainfo';
import type { PieceStore } from '../storage/pieceStore';
import { Announcer } from '../tracker/announcer';
import { PeerAddress, publishTorrent } from '../tracker/client';
import { BLOCK_SIZE } from '../wire/messages';
import { blockKey, BlockRequest, PeerConnection } from '../wire/peerConnection';
import { Choker } from './choker';
import { Candidate, PeerCandidates } from './peerCandidates';
import { PieceCache } from './pieceCache';
import { PiecePicker } from './piecePicker';
import { RateMeter } from './rate';
import { Uploader } from './uploader';
import { clientName, PeerStats, SessionEvents, SessionOptions, SessionProgress, SessionState } from './sessionTypes';

export * from './sessionTypes';

interface PeerState {
  conn: PeerConnection;
  /** peer id in hex: the key of strikes, bans and contributions */
  id: string;
  /** `pickEpoch` when the picker last had less for this peer than it asked: nothing new since */
  starvedAt: number;
  down: RateMeter;
  up: RateMeter;
  serving: number;
}

const MIN_QUEUE = 64; // 1 MiB in flight per peer before its rate is known
const MAX_QUEUE = 250; // aria2 and libtorrent accept this many without reqq
const SNUB_MS = 15_000;
const STRIKES_TO_BAN = 3;
/**
 * ~48 MiB holds several pieces per peer in flight plus what waits for disk: beyond that,
 * more memory buys no speed on a LAN and only grows the process.
 */
const DEFAULT_MAX_BUFFERED = 48 * 1024 * 1024;

export class TorrentSession extends TypedEmitter<SessionEvents> {
  readonly meta: Metainfo;
  readonly store: PieceStore;
  state: SessionState = 'checking';
  private readonly log: Logger;
  private readonly picker: PiecePicker;
  private readonly choker: Choker;
  private readonly cache: PieceCache;
  private readonly uploader: Uploader;
  private readonly peers = new Map<PeerConnection, PeerState>();
  private readonly candidates = new PeerCandidates();
  private readonly banned = new Set<string>();
  private readonly strikes = new Map<string, number>();
  /** bytes each peer gave us, by peer id (hex), kept after it leaves */
  readonly contributions = new Map<string, number>();
  private announcer?: Announcer;
  private timer?: NodeJS.Timeout;
  private tickCount = 0;
  private readonly down = new RateMeter();
  private readonly up = new RateMeter();
  private readonly opts: SessionOptions;
  private finishing = false;
  /** bumped whenever blocks may have become available to anyone (released, verified, failed) */
  private pickEpoch = 0;
  private lastProgressKey = '';
  private lastProgress?: SessionProgress;
  /** piece buffers back from verification, reused: no allocation, GC or page faults per piece */
  private readonly pool: Buffer[] = [];
  private readonly recycle = (buf: Buffer): void => {
    const max = (this.opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED) / this.meta.pieceLength;
    if (buf.length === this.meta.pieceLength && this.pool.length < max && this.state === 'downloading') this.pool.push(buf);
  };

  constructor(opts: SessionOptions) {
    super();
    this.opts = opts;
    this.meta = opts.meta;
    this.store = opts.store;
    this.log = opts.logger ?? silentLogger;
    this.picker = new PiecePicker(this.meta, this.store.have, (size) => (size === this.meta.pieceLength && this.pool.pop()) || Buffer.allocUnsafeSlow(size));
    this.choker = new Choker(opts.uploadSlots ?? 8);
    this.cache = new PieceCache(this.meta, (i, begin, length) => this.store.readBlock(i, begin, length));
    this.uploader = new Uploader(this.meta, this.store.have, this.cache, this.up, opts.uploadThrottle, (m) => this.emit('warning', m));
  }

  get infoHashHex(): string {
    return this.meta.infoHashHex;
  }

  get complete(): boolean {
    return this.store.complete;
  }

  start(): void {
    if (this.state === 'downloading' || this.state === 'seeding') return;
    this.setState(this.complete ? 'seeding' : 'downloading');
    const tiers = this.opts.trackers ?? this.meta.announceList;
    if (tiers.length > 0) {
      this.announcer = new Announcer({
        tiers,
        infoHash: this.meta.infoHash,
        peerId: this.opts.peerId,
        port: this.opts.port,
        numwant: this.opts.announceNumwant,
        stats: () => ({ uploaded: this.up.total, downloaded: this.down.total, left: this.left }),
      });
      this.announcer.on('peers', (peers) => this.addCandidates(peers));
      this.announcer.on('error', (msg, url) => this.emit('warning', `tracker ${url}: ${msg}`));
      this.announcer.on('unknownToCatalog', (url) => this.publish(url));
      this.announcer.start();
    }
    this.timer = setInterval(() => this.tick(), 500);
    this.timer.unref();
  }

  /** Announces `stopped`, closes every connection; the store keeps what was verified. */
  async stop(state: 'paused' | 'stopped' = 'stopped'): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const announcer = this.announcer;
    this.announcer = undefined;
    for (const ps of [...this.peers.values()]) ps.conn.close(state === 'paused' ? 'paused' : 'session stopped');
    this.candidates.clear();
    this.cache.clear();
    await announcer?.stop();
    if (state === 'stopped') await this.store.close();
    this.setState(state);
  }

  private get left(): number {
    const have = this.store.have;
    let bytes = have.count * this.meta.pieceLength;
    if (have.has(this.meta.pieceCount - 1)) bytes += pieceSize(this.meta, this.meta.pieceCount - 1) - this.meta.pieceLength;
    return this.meta.length - bytes;
  }

  private setState(s: SessionState, reason?: string): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s, reason);
    this.emit('progress', this.progress());
  }

  private async publish(url: string): Promise<void> {
    if (!this.complete || this.opts.catalogPath === undefined) return;
    try {
      await publishTorrent(url, this.meta.torrent, this.opts.catalogPath);
      this.log.info(`published ${this.meta.name} to ${url}`);
      this.emit('published', url);
    } catch (e) {
      this.emit('warning', `could not publish ${this.meta.name}: ${(e as Error).message}`);
    }
  }

  // ---- peers ----

  addCandidates(peers: PeerAddress[]): void {
    this.candidates.add(peers, this.complete);
    this.dialMore();
  }

  private connectedTo(addr: string): boolean {
    for (const ps of this.peers.keys()) if (ps.outgoing && ps.address === addr) return true;
    return false;
  }

  private dialMore(): void {
    if (this.state !== 'downloading' && this.state !== 'seeding') return;
    const room = (this.opts.maxPeers ?? 50) - this.peers.size - this.candidates.dialingCount;
    for (const c of this.candidates.take(room, (key) => this.connectedTo(key))) this.dial(c);
  }

  private dial(c: Candidate): void {
    let socket: Socket;
    try {
      socket = connect({ host: c.ip, port: c.port, localAddress: this.opts.localAddress });
    } catch {
      return this.candidates.failed(c);
    }
    socket.setTimeout(5000, () => socket.destroy(new Error('connect timed out')));
    const failed = (e: Error) => {
      this.candidates.failed(c);
      this.log.debug(`dial ${c.key} failed: ${e.message}`);
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      socket.off('error', failed);
      socket.setTimeout(0);
      this.candidates.connected(c);
      if (this.state !== 'downloading' && this.state !== 'seeding') return void socket.destroy();
      const conn = new PeerConnection(socket, { outgoing: true, ourPeerId: this.opts.peerId, infoHash: this.meta.infoHash, pieceCount: this.meta.pieceCount });
      conn.once('ready', () => this.attach(conn));
      conn.once('close', (reason) => {
        if (this.peers.has(conn)) return;
        this.candidates.failed(c);
        this.log.debug(`peer ${c.key} closed before the handshake: ${reason}`);
      });
    });
  }

  /** Takes a handshaken connection (ours or accepted by the engine's listener). */
  attach(conn: PeerConnection): void {
    const id = conn.peerId!.toString('hex');
    if (this.state !== 'downloading' && this.state !== 'seeding') return conn.close('torrent is not active');
    if (this.banned.has(id) || this.banned.has(conn.address)) return conn.close('banned');
    if (this.peers.size >= (this.opts.maxPeers ?? 50)) return conn.close('too many peers');
    for (const other of this.peers.keys()) {
      if (!other.peerId!.equals(conn.peerId!)) continue;
      // both sides dialled: keep the connection opened by the smaller peer id, on both ends
      const initiator = (c: PeerConnection) => (c.outgoing ? this.opts.peerId : c.peerId!);
      const keepNew = Buffer.compare(initiator(conn), initiator(other)) < 0;
      if (!keepNew) return conn.close('duplicate connection');
      other.close('duplicate connection');
      break;
    }
    const ps: PeerState = { conn, id, down: new RateMeter(), up: new RateMeter(), serving: 0, starvedAt: -1 };
    this.peers.set(conn, ps);
    conn.on('bitfield', (prev) => {
      ps.starvedAt = -1;
      this.picker.peerBitfield(prev, -1);
      this.picker.peerBitfield(conn.have!, 1);
      this.updateInterest(ps);
    });
    conn.on('have', (i) => {
      this.picker.peerHave(i);
      if (!this.store.have.has(i)) ps.starvedAt = -1;
      if (!conn.amInterested && !this.store.have.has(i)) this.updateInterest(ps);
      else this.fill(ps);
    });
    conn.on('unchoke', () => this.fill(ps));
    conn.on('dropped', (reqs) => this.released(reqs));
    conn.on('block', (index, begin, data, length) => this.onBlock(ps, index, begin, data, length));
    conn.on('interested', () => this.rechoke(false));
    conn.on('notInterested', () => this.rechoke(false));
    conn.on('request', (req) => this.uploader.request(ps, req));
    conn.socket.on('drain', () => this.uploader.serve(ps));
    conn.once('close', (reason) => this.detach(ps, reason));
    conn.sendBitfield(this.store.have);
    this.emit('peerAdded', conn.address);
    this.log.debug(`peer ${conn.address} connected (${clientName(conn.peerId!)})`);
    this.rechoke(false);
  }

  private detach(ps: PeerState, reason: string): void {
    if (!this.peers.delete(ps.conn)) return;
    if (ps.conn.have) this.picker.peerBitfield(ps.conn.have, -1);
    if (ps.conn.have?.complete && ps.conn.outgoing) this.candidates.finishedWith(ps.conn.address, this.complete);
    this.emit('peerRemoved', ps.conn.address, reason);
    this.log.debug(`peer ${ps.conn.address} left: ${reason}`);
    this.rechoke(false);
    for (const other of this.peers.values()) this.fill(other);
  }

  ban(ps: PeerState, reason: string): void {
    this.banned.add(ps.id);
    this.picker.forget(ps.id);
    this.pickEpoch++;
    this.banned.add(ps.conn.address);
    this.candidates.ban(ps.conn.address);
    this.emit('peerBanned', ps.conn.address, reason);
    this.log.warn(`banned ${ps.conn.address}: ${reason}`);
    ps.conn.close(`banned: ${reason}`);
  }

  private updateInterest(ps: PeerState): void {
    const want = !this.complete && this.picker.wants(ps.conn.have!);
    ps.conn.interested(want);
    if (want) this.fill(ps);
  }

  // ---- downloading ----

  private released(reqs: BlockRequest[]): void {
    for (const r of reqs) this.picker.release(r.index, r.begin);
    this.pickEpoch++;
    for (const other of this.peers.values()) this.fill(other);
  }

  private fill(ps: PeerState): void {
    const conn = ps.conn;
    if (this.state !== 'downloading' || conn.peerChoking || !conn.amInterested || conn.closed) return;
    // a peer the picker had nothing more for is not asked again until something changed: the
    // scan is O(pieces) and blocks and haves arrive thousands of times a second
    if (ps.starvedAt === this.pickEpoch) return;
    const snubbed = conn.requests.size > 0 && Date.now() - conn.lastBlockAt > SNUB_MS;
    // queue sized from measured throughput: about two seconds of blocks in flight
    const target = snubbed ? 2 : Math.min(MAX_QUEUE, Math.max(MIN_QUEUE, Math.ceil((ps.down.rate() * 2) / BLOCK_SIZE)));
    const room = target - conn.requests.size;
    // requests leave in batches: on loopback each write costs a whole TCP round of work
    if (room < Math.min(32, target / 4)) return;
    const max = this.opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    const canStart = () => this.picker.activeBytes + this.store.pendingBytes < max;
    const reqs = this.picker.next(conn.have!, room, canStart, (i, b) => conn.requests.has(blockKey(i, b)), ps.id);
    if (reqs.length < room) ps.starvedAt = this.pickEpoch;
    conn.requestMany(reqs);
  }

  private onBlock(ps: PeerState, index: number, begin: number, data: Buffer | Buffer[], length: number): void {
    ps.down.add(length);
    this.down.add(length);
    this.contributions.set(ps.id, (this.contributions.get(ps.id) ?? 0) + length);
    const result = this.picker.block(index, begin, data, length, ps.id);
    // endgame: whoever else was asked for this block need not send it
    const key = blockKey(index, begin);
    for (const other of this.peers.keys()) if (other !== ps.conn && other.requests.has(key)) other.cancel(index, begin, length);
    if (result && result !== 'dup') void this.verify(result.index, result.buf, result.contributors);
    this.fill(ps);
  }

  private async verify(index: number, buf: Buffer, contributors: Set<string>): Promise<void> {
    let ok: boolean;
    try {
      ok = await this.store.putPiece(index, buf, this.recycle);
    } catch (e) {
      this.picker.verifying.delete(index);
      this.fail(`could not write piece ${index}: ${(e as Error).message}`);
      return;
    }
    this.picker.verifying.delete(index);
    this.pickEpoch++; // memory freed, or the piece is missing again
    if (this.state === 'stopped' || this.state === 'failed') return;
    if (!ok) {
      this.onBadPiece(index, contributors);
    } else {
      this.emit('pieceVerified', index);
      for (const ps of this.peers.values()) if (ps.conn.ready && !ps.conn.have!.has(index)) ps.conn.sendHave(index);
      if (this.complete) return void this.finish();
    }
    for (const ps of this.peers.values()) this.fill(ps);
  }

  private onBadPiece(index: number, contributors: Set<string>): void {
    const msg = `piece ${index} failed its SHA-1 check (from ${contributors.size} peer${contributors.size === 1 ? '' : 's'})`;
    this.log.warn(msg);
    // a banned peer's blocks explain the failure; the others are not to blame
    if ([...contributors].some((id) => this.banned.has(id))) return;
    for (const id of contributors) {
      const strikes = (this.strikes.get(id) ?? 0) + (contributors.size === 1 ? STRIKES_TO_BAN : 1);
      this.strikes.set(id, strikes);
      if (strikes < STRIKES_TO_BAN) continue;
      for (const ps of this.peers.values()) if (ps.id === id) this.ban(ps, `sent data that failed the hash check of piece ${index}`);
      this.banned.add(id);
      this.picker.forget(id);
    }
  }

  private async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    try {
      this.pool.length = 0;
      const path = await this.store.finish();
      this.setState('seeding');
      this.log.info(`${this.meta.name}: complete and verified at ${path}`);
      this.emit('done', path);
      this.announcer?.now('completed');
      for (const ps of this.peers.values()) {
        ps.conn.interested(false);
        if (ps.conn.have!.complete) ps.conn.close('both complete');
      }
    } catch (e) {
      this.fail(`could not finish ${this.meta.name}: ${(e as Error).message}`);
    }
  }

  private fail(reason: string): void {
    this.log.error(reason);
    void this.stop('stopped').then(() => this.setState('failed', reason));
  }

  // ---- seeding ----

  private rechoke(periodic: boolean): void {
    const list = [...this.peers.values()].map((ps) => ({ conn: ps.conn, downloadRate: ps.down.rate(), uploadRate: ps.up.rate() }));
    const unchoked = list.filter((p) => !p.conn.amChoking).length;
    // between periodic rounds only fill free slots, never take one away (no flapping)
    const decision = this.choker.decide(list, this.complete);
    for (const p of list) {
      if (decision.has(p.conn)) {
        if (p.conn.amChoking && (periodic || unchoked < (this.opts.uploadSlots ?? 8))) p.conn.unchoke();
      } else if (periodic || !p.conn.peerInterested) {
        p.conn.choke();
      }
    }
  }

  private tick(): void {
    this.tickCount++;
    const now = Date.now();
    for (const ps of this.peers.values()) {
      const conn = ps.conn;
      // stalled requests go back to the pool for others
      if (conn.requests.size > 0 && now - conn.lastBlockAt > SNUB_MS) {
        const stale = [...conn.requests.values()].filter((r) => now - r.sentAt > SNUB_MS);
        for (const r of stale) conn.cancel(r.index, r.begin, r.length);
        if (stale.length > 0) this.released(stale);
      }
      if (this.tickCount % 2 === 0 && conn.ready && conn.have) {
        if (!this.complete) this.updateInterest(ps);
        else if (conn.have.complete) conn.close('both complete');
      }
    }
    if (this.tickCount % 20 === 0) this.rechoke(true);
    if (this.tickCount % 4 === 0) this.dialMore();
    // an idle seed (a workspace may share thousands of files) stays quiet; rates decay to 0 first
    const p = this.progress();
    const key = `${p.downloaded}:${p.uploaded}:${p.peers}:${p.pieces}`;
    if (key === this.lastProgressKey && this.lastProgress && this.lastProgress.downloadRate === 0 && this.lastProgress.uploadRate === 0) return;
    this.lastProgressKey = key;
    this.lastProgress = p;
    this.emit('progress', p);
  }

  progress(): SessionProgress {
    const have = this.store.have;
    const verifiedBytes = this.meta.length - this.left;
    const downloadRate = this.down.rate();
    return {
      infoHash: this.meta.infoHashHex,
      name: this.meta.name,
      state: this.state,
      length: this.meta.length,
      verifiedBytes,
      pieces: have.count,
      piecesTotal: this.meta.pieceCount,
      downloaded: this.down.total,
      uploaded: this.up.total,
      downloadRate,
      uploadRate: this.up.rate(),
      peers: this.peers.size,
      eta: this.complete ? 0 : downloadRate > 0 ? Math.ceil((this.meta.length - verifiedBytes) / downloadRate) : undefined,
    };
  }

  peerStats(): PeerStats[] {
    return [...this.peers.values()].map((ps) => ({
      address: ps.conn.address,
      client: clientName(ps.conn.peerId!),
      downloaded: ps.conn.downloaded,
      uploaded: ps.conn.uploaded,
      downloadRate: ps.down.rate(),
      uploadRate: ps.up.rate(),
      seeder: !!ps.conn.have?.complete,
    }));
  }
}
