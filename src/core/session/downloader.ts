// Fetching what we lack: which blocks to ask of each peer (as many as its rate keeps busy),
// endgame cancels, blocks copied into their piece, complete pieces handed to the store for
// the hash check, and the piece buffers that come back from it.
import { TypedEmitter } from '../events';
import { BLOCK_SIZE, BlockRequest, PieceGeometry } from '../pieces';
import type { PieceStore } from '../storage/pieceStore';
import type { ReadyConnection } from '../wire/peerConnection';
import { Lease, PieceBuffers } from './pieceBuffers';
import { PiecePicker } from './piecePicker';
import { RateMeter } from './rate';
import type { SessionState } from './sessionTypes';

export type DownloadConnection = Pick<
  ReadyConnection,
  'on' | 'have' | 'ready' | 'closed' | 'peerChoking' | 'amInterested' | 'interested' | 'requestsInFlight' | 'lastBlockAt'
  | 'hasRequested' | 'requestMany' | 'cancel' | 'cancelSentBefore' | 'sendHave'
>;

export type DownloaderEvents = {
  /** every piece is verified and stored (fired once) */
  complete: [];
  /** piece `index` failed its hash check; `contributors` are the ids of the peers that sent it */
  badPiece: [index: number, contributors: Set<string>];
  /** the store could not take a piece: the download cannot go on */
  failed: [reason: string];
};

export interface DownloaderOptions {
  meta: PieceGeometry;
  /** `need`, when there is one, is what the picker skips: pieces had, or wanted by no selected file (a selective download) */
  store: Pick<PieceStore, 'have' | 'complete' | 'pendingBytes' | 'putPiece'> & Partial<Pick<PieceStore, 'need'>>;
  /** most bytes of pieces held in memory (being assembled, verified or written) */
  maxBufferedBytes: number;
  /** the session's state: requests go out only while 'downloading' */
  state: () => SessionState;
  /** a verified piece's buffer, lent for serving its blocks; it comes back to the pool through the lease */
  lend?: (index: number, lease: Lease) => void;
}

class PeerDownload {
  readonly down = new RateMeter();
  /** the downloader's `epoch` when the picker last had less for this peer than it asked: nothing new since */
  starvedAt = -1;
  readonly asked = (index: number, begin: number): boolean => this.conn.hasRequested(index, begin);

  constructor(readonly conn: DownloadConnection, readonly id: string) {}
}

const MIN_QUEUE = 64; // 1 MiB in flight per peer before its rate is known
const MAX_QUEUE = 250; // aria2 and libtorrent accept this many without reqq
/** a peer with requests out and no block for this long is snubbing us */
const SNUB_MS = 15_000;

export class Downloader extends TypedEmitter<DownloaderEvents> {
  private readonly picker: PiecePicker;
  private readonly buffers: PieceBuffers;
  private readonly peers = new Map<DownloadConnection, PeerDownload>();
  private readonly total = new RateMeter();
  private readonly received = new Map<string, number>();
  /** bumped whenever blocks may have become available to anyone (released, verified, failed) */
  private epoch = 0;
  private completed = false;
  private readonly canStart = (): boolean => this.picker.activeBytes + this.opts.store.pendingBytes < this.opts.maxBufferedBytes;
  private readonly recycle = (buf: Buffer): void => {
    if (this.opts.state() === 'downloading') this.buffers.give(buf);
  };

  constructor(private readonly opts: DownloaderOptions) {
    super();
    const { meta, store } = opts;
    this.buffers = new PieceBuffers(meta.pieceLength, opts.maxBufferedBytes / meta.pieceLength);
    this.picker = new PiecePicker(meta, store.need ?? store.have, (size) => this.buffers.take(size));
  }

  /** bytes each peer gave us, by peer id (hex), kept after it leaves */
  get contributions(): ReadonlyMap<string, number> {
    return this.received;
  }

  /** bytes of blocks received from every peer */
  get downloaded(): number {
    return this.total.total;
  }

  downloadRate(): number {
    return this.total.rate();
  }

  /** bytes per second from this peer */
  rate(conn: DownloadConnection): number {
    return this.peers.get(conn)?.down.rate() ?? 0;
  }

  /** Fetches from this peer (`id`: its peer id in hex) whatever it has that we lack. */
  add(conn: DownloadConnection, id: string): void {
    const p = new PeerDownload(conn, id);
    this.peers.set(conn, p);
    conn.on('bitfield', (previous) => {
      p.starvedAt = -1;
      this.picker.peerBitfield(previous, -1);
      this.picker.peerBitfield(conn.have, 1);
      this.updateInterest(p);
    });
    conn.on('have', (i) => {
      this.picker.peerHave(i);
      const missing = !(this.opts.store.need ?? this.opts.store.have).has(i);
      if (missing) p.starvedAt = -1;
      if (!conn.amInterested && missing) this.updateInterest(p);
      else this.fill(p);
    });
    conn.on('unchoke', () => this.fill(p));
    conn.on('dropped', (reqs) => this.released(reqs));
    conn.on('block', (index, begin, data, length) => this.onBlock(p, index, begin, data, length));
  }

  /** The peer left: its pieces count as rarer. */
  remove(conn: DownloadConnection): void {
    if (this.peers.delete(conn)) this.picker.peerBitfield(conn.have, -1);
  }

  /** Asks every peer for more, as far as each one's queue has room. */
  fillAll(): void {
    for (const p of this.peers.values()) this.fill(p);
  }

  /** Tells each peer whether it has something we want, and asks those that do. */
  updateInterestAll(): void {
    for (const p of this.peers.values()) if (p.conn.ready) this.updateInterest(p);
  }

  /** Requests a snubbing peer has sat on too long go back to the pool for others. */
  cancelStale(now = Date.now()): void {
    for (const p of this.peers.values()) {
      const conn = p.conn;
      if (conn.requestsInFlight === 0 || now - conn.lastBlockAt <= SNUB_MS) continue;
      const stale = conn.cancelSentBefore(now - SNUB_MS);
      if (stale.length > 0) this.released(stale);
    }
  }

  /** Piece `index` failed with several `senders`: it and they are fetched alone from now on. */
  parole(index: number, senders: string[]): void {
    this.picker.parole(index, senders);
    this.epoch++;
  }

  /** A banned peer's blocks in unfinished pieces are fetched again. */
  forget(id: string): void {
    this.picker.forget(id);
    this.epoch++;
  }

  private updateInterest(p: PeerDownload): void {
    const want = !this.opts.store.complete && this.picker.wants(p.conn.have);
    p.conn.interested(want);
    if (want) this.fill(p);
  }

  private released(reqs: BlockRequest[]): void {
    for (const r of reqs) this.picker.release(r.index, r.begin);
    this.epoch++;
    this.fillAll();
  }

  private fill(p: PeerDownload): void {
    const conn = p.conn;
    if (this.opts.state() !== 'downloading' || conn.peerChoking || !conn.amInterested || conn.closed) return;
    // a peer the picker had nothing more for is not asked again until something changed: the
    // scan is O(pieces) and blocks and haves arrive thousands of times a second
    if (p.starvedAt === this.epoch) return;
    const inFlight = conn.requestsInFlight;
    const snubbed = inFlight > 0 && Date.now() - conn.lastBlockAt > SNUB_MS;
    // queue sized from measured throughput: about two seconds of blocks in flight
    const target = snubbed ? 2 : Math.min(MAX_QUEUE, Math.max(MIN_QUEUE, Math.ceil((p.down.rate() * 2) / BLOCK_SIZE)));
    const room = target - inFlight;
    // requests leave in batches: on loopback each write costs a whole TCP round of work
    if (room < Math.min(32, target / 4)) return;
    const reqs = this.picker.next(conn.have, room, this.canStart, p.asked, p.id);
    if (reqs.length < room) p.starvedAt = this.epoch;
    conn.requestMany(reqs);
  }

  private onBlock(p: PeerDownload, index: number, begin: number, data: Buffer | Buffer[], length: number): void {
    p.down.add(length);
    this.total.add(length);
    this.received.set(p.id, (this.received.get(p.id) ?? 0) + length);
    const result = this.picker.block(index, begin, data, length, p.id);
    // endgame: whoever else was asked for this block need not send it (a loop over every peer, so only then)
    if (result === 'dup' || this.picker.askedElsewhere) for (const other of this.peers.keys()) if (other !== p.conn) other.cancel(index, begin, length);
    if (result && result !== 'dup') void this.verify(result.index, result.buf, result.contributors);
    this.fill(p);
  }

  private async verify(index: number, buf: Buffer, contributors: Set<string>): Promise<void> {
    let ok: boolean;
    try {
      ok = await this.opts.store.putPiece(index, buf, (b, verified) => this.returned(index, b, verified));
    } catch (e) {
      this.picker.doneVerifying(index);
      return this.emit('failed', `could not write piece ${index}: ${(e as Error).message}`);
    }
    this.picker.doneVerifying(index);
    this.epoch++; // memory freed, or the piece is missing again
    const state = this.opts.state();
    if (state === 'stopped' || state === 'failed') return;
    if (!ok) {
      this.emit('badPiece', index, contributors);
    } else {
      for (const p of this.peers.values()) if (p.conn.ready && !p.conn.have.has(index)) p.conn.sendHave(index);
      if (this.opts.store.complete) return this.complete();
    }
    this.fillAll();
  }

  /**
   * A piece's buffer back from the store: lent to the uploader when it holds the verified piece and
   * a peer lacks it (who may ask for it next), else pooled at once.
   */
  private returned(index: number, buf: Buffer, verified: boolean): void {
    if (verified && this.opts.lend && this.opts.state() === 'downloading' && this.someoneLacks(index)) {
      this.opts.lend(index, new Lease(buf, this.recycle));
    } else this.recycle(buf);
  }

  private someoneLacks(index: number): boolean {
    for (const p of this.peers.values()) if (p.conn.ready && !p.conn.have.has(index)) return true;
    return false;
  }

  private complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.buffers.clear();
    this.emit('complete');
  }
}
