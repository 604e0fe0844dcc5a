// Serving the blocks peers ask of us: checked against what we have, read through the
// piece cache, paced by the upload limit and by each socket's send buffer.
import type { Bitfield } from '../bitfield';
import { Metainfo, pieceSize } from '../metainfo';
import type { BlockRequest, PeerConnection } from '../wire/peerConnection';
import type { PieceCache } from './pieceCache';
import type { RateMeter } from './rate';
import type { Throttle } from './throttle';

export interface UploadPeer {
  conn: PeerConnection;
  up: RateMeter;
  /** reads in flight for this peer */
  serving: number;
}

/** reads in flight per peer: enough to keep a socket busy, few enough to stay fair */
const READS_PER_PEER = 4;
/** bytes queued on a socket before we wait for its 'drain' */
const MAX_BACKLOG = 2 * 1024 * 1024;

export class Uploader {
  constructor(
    private readonly meta: Metainfo,
    private readonly have: Bitfield,
    private readonly cache: PieceCache,
    private readonly total: RateMeter,
    private readonly throttle: Throttle | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  /** A peer asked for a block (it is already queued on its connection). */
  request(p: UploadPeer, req: BlockRequest): void {
    if (!this.have.has(req.index) || req.begin + req.length > pieceSize(this.meta, req.index)) {
      return p.conn.close(`requested ${req.index}:${req.begin}+${req.length}, which we do not have`);
    }
    this.serve(p);
  }

  /** Sends what the peer has queued, as far as reads, the limit and its socket allow. */
  serve(p: UploadPeer): void {
    const conn = p.conn;
    while (p.serving < READS_PER_PEER && conn.incoming.length > 0 && !conn.closed) {
      if (conn.writeBacklog > MAX_BACKLOG) return; // 'drain' calls us again
      const req = conn.incoming.shift()!;
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
          this.warn(`could not read piece ${req.index}: ${(e as Error).message}`);
          conn.close('read error on our side');
        },
      );
    }
  }

  private send(p: UploadPeer, req: BlockRequest, block: Buffer): void {
    if (p.conn.closed || p.conn.amChoking) return;
    p.conn.sendBlock(req.index, req.begin, block);
    p.up.add(req.length);
    this.total.add(req.length);
  }
}
