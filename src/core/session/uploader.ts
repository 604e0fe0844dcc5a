// Serving the blocks peers ask of us: checked against what we have, read through the
// piece cache, paced by the upload limit and by each socket's send buffer.
import type { Bitfield } from '../bitfield';
import { BlockRequest, PieceGeometry, pieceSize } from '../pieces';
import type { PieceStore } from '../storage/pieceStore';
import type { ReadyConnection } from '../wire/peerConnection';
import type { Lease } from './pieceBuffers';
import { PieceCache } from './pieceCache';
import type { PieceCacheBudget } from './pieceCacheBudget';
import { RateMeter } from './rate';
import type { Throttle } from './throttle';

export type UploadConnection = Pick<ReadyConnection, 'on' | 'closed' | 'amChoking' | 'writeBacklog' | 'nextRequest' | 'sendBlock' | 'close'>;

interface UploadPeer {
  conn: UploadConnection;
  up: RateMeter;
  /** reads in flight for this peer */
  serving: number;
  /** a block's bytes reached the socket: counted for this peer and in the total */
  sent: (bytes: number) => void;
}

/** reads in flight per peer: enough to keep a socket busy, few enough to stay fair */
const READS_PER_PEER = 4;
/** bytes queued on a socket before we wait for its 'drain' */
const MAX_BACKLOG = 2 * 1024 * 1024;

export class Uploader {
  private readonly peers = new Map<UploadConnection, UploadPeer>();
  private readonly total = new RateMeter();
  private readonly have: Bitfield;
  private readonly cache: PieceCache;

  constructor(
    private readonly meta: PieceGeometry,
    store: Pick<PieceStore, 'have' | 'readBlock'>,
    private readonly throttle: Throttle | undefined,
    private readonly warn: (message: string) => void,
    cacheBudget?: PieceCacheBudget,
  ) {
    this.have = store.have;
    this.cache = new PieceCache(meta, (i, begin, length, into) => store.readBlock(i, begin, length, into), cacheBudget);
  }

  /** Serves this peer's requests from now on. */
  add(conn: UploadConnection): void {
    const up = new RateMeter();
    const p: UploadPeer = { conn, up, serving: 0, sent: (n) => {
      up.add(n);
      this.total.add(n);
    } };
    this.peers.set(conn, p);
    conn.on('request', (req) => this.request(p, req));
    conn.on('drain', () => this.serve(p));
  }

  remove(conn: UploadConnection): void {
    this.peers.delete(conn);
  }

  /** A piece we just verified: its blocks are served from its buffer while the cache keeps it. */
  lend(index: number, lease: Lease): void {
    this.cache.lend(index, lease);
  }

  /** The torrent stopped: cached chunks go. */
  clear(): void {
    this.cache.clear();
  }

  /** bytes per second sent to this peer */
  rate(conn: UploadConnection): number {
    return this.peers.get(conn)?.up.rate() ?? 0;
  }

  /** bytes of blocks the kernel took for every peer (not those queued when a connection closed) */
  get uploaded(): number {
    return this.total.total;
  }

  uploadRate(): number {
    return this.total.rate();
  }

  /** A peer asked for a block (it is already queued on its connection). */
  private request(p: UploadPeer, req: BlockRequest): void {
    if (!this.have.has(req.index) || req.begin + req.length > pieceSize(this.meta, req.index)) {
      return p.conn.close(`requested ${req.index}:${req.begin}+${req.length}, which we do not have`);
    }
    this.serve(p);
  }

  /** Sends what the peer has queued, as far as reads, the limit and its socket allow. */
  private serve(p: UploadPeer): void {
    const conn = p.conn;
    while (p.serving < READS_PER_PEER && !conn.closed) {
      if (conn.writeBacklog > MAX_BACKLOG) return; // 'drain' calls us again
      const req = conn.nextRequest();
      if (!req) return;
      // blocks of chunks already in memory go out at once, without a promise each
      const ready = this.throttle ? undefined : this.cache.peek(req);
      if (ready) {
        this.send(p, req, ready);
        continue;
      }
      p.serving++;
      const throttled = this.throttle?.take(req.length);
      (throttled ? throttled.then(() => this.cache.block(req)) : this.cache.block(req)).then(
        (block) => {
          p.serving--;
          this.send(p, req, block);
          this.serve(p);
        },
        (e) => {
          p.serving--;
          // a changed file: the session says so once and stops; each peer just sees us leave
          if ((e as Error).name === 'StaleFileError') return conn.close('the file changed on our side');
          this.warn(`could not read piece ${req.index}: ${(e as Error).message}`);
          conn.close('read error on our side');
        },
      );
    }
  }

  private send(p: UploadPeer, req: BlockRequest, block: Buffer): void {
    // a block holds its buffer until the kernel took it (never, if the socket closes first)
    const lease = this.cache.leaseOf(block);
    if (p.conn.closed || p.conn.amChoking) return lease?.drop();
    const sent = lease ? (n: number): void => (p.sent(n), lease.drop()) : p.sent;
    p.conn.sendBlock(req.index, req.begin, block, sent);
  }
}
