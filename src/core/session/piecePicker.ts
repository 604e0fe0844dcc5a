// Which block to ask for next: partial pieces first, then a few random pieces, then the
// rarest; endgame duplicates only once every missing block is already asked for. Parole
// (libtorrent's): after a piece fails with several senders, its senders and that piece are
// fetched only alone, so the next failure names one peer.
import type { Bitfield } from '../bitfield';
import { BLOCK_SIZE, blockCount, blockIndex, blockLength, BlockRequest, PieceGeometry, pieceSize } from '../pieces';
import { copyBytes } from './pieceBuffers';

/** libtorrent picks its first 4 pieces at random so new peers soon have something to trade */
const RANDOM_FIRST = 4;
/** most outstanding requests for one block in endgame */
const ENDGAME_DUPLICATES = 2;

/** A piece whose every block arrived, on its way to the hash check. */
export interface CompletePiece {
  readonly index: number;
  readonly buf: Buffer;
  /** who supplied its blocks (peer keys) */
  readonly contributors: Set<string>;
}

class ActivePiece implements CompletePiece {
  readonly blocks: number;
  readonly pending: Uint8Array; // outstanding requests per block
  readonly received: Uint8Array;
  receivedCount = 0;
  /** blocks neither received nor asked for: lets the picker skip pieces fully asked for */
  free: number;
  /** who supplied each block (peer key), for banning on a bad hash */
  readonly from: (string | undefined)[];
  /** the peer this piece is being fetched from; others join it only when they must */
  owner?: string;
  /** fetched from its owner alone (parole): nobody helps or duplicates, a new owner starts it over */
  exclusive = false;

  constructor(readonly index: number, readonly size: number, readonly buf: Buffer) {
    this.blocks = blockCount(size);
    this.pending = new Uint8Array(this.blocks);
    this.received = new Uint8Array(this.blocks);
    this.from = new Array(this.blocks);
    this.free = this.blocks;
  }

  get contributors(): Set<string> {
    return new Set(this.from.filter((f): f is string => f !== undefined));
  }
}

export class PiecePicker {
  /** how many connected peers have each piece */
  private readonly availability: Uint16Array;
  private readonly active = new Map<number, ActivePiece>();
  /** complete pieces waiting for their hash check and write */
  private readonly verifying = new Set<number>();
  /** the last block stored by block() is still asked of another peer (endgame): cancel it there */
  askedElsewhere = false;
  /** peers on parole: they fetch whole pieces alone */
  private readonly paroled = new Set<string>();
  /** pieces that failed with several senders: fetched again from one peer */
  private readonly alone = new Set<number>();

  constructor(private readonly meta: PieceGeometry, private readonly have: Bitfield, private readonly allocate: (size: number) => Buffer) {
    this.availability = new Uint16Array(meta.pieceCount);
  }

  peerBitfield(bits: Bitfield, sign: 1 | -1): void {
    const a = this.availability;
    for (let i = 0; i < a.length; i++) if (bits.has(i)) a[i] += sign;
  }

  peerHave(index: number): void {
    this.availability[index]++;
  }

  /** Does this peer have a piece we still need? */
  wants(peer: Bitfield): boolean {
    for (let i = 0; i < this.meta.pieceCount; i++) if (!this.have.has(i) && peer.has(i)) return true;
    return false;
  }

  private missing(i: number): boolean {
    return !this.have.has(i) && !this.verifying.has(i) && !this.active.has(i);
  }

  /**
   * Up to `n` block requests for peer `who` with have-set `peer`; `canStart` bounds memory.
   * Each piece is fetched from one peer where possible, so a seeder reads and sends whole
   * pieces and one slow peer delays few pieces.
   */
  next(peer: Bitfield, n: number, canStart: () => boolean, alreadyAsked: (index: number, begin: number) => boolean, who = ''): BlockRequest[] {
    const out: BlockRequest[] = [];
    const paroled = this.paroled.size > 0 && this.paroled.has(who);
    // 1. finish what is started: our own pieces, and pieces nobody is fetching any more
    for (const p of this.active.values()) {
      if (out.length >= n) return out;
      if (p.free === 0 || (p.owner !== undefined && p.owner !== who) || !peer.has(p.index)) continue;
      if (p.owner !== who && (paroled || p.exclusive)) this.startOver(p, who);
      p.owner = who;
      this.take(p, n, out, 0, alreadyAsked);
    }
    // 2. start new pieces
    while (out.length < n && canStart()) {
      const index = this.pickNew(peer);
      if (index < 0) break;
      const size = pieceSize(this.meta, index);
      const p = new ActivePiece(index, size, this.allocate(size));
      p.owner = who;
      p.exclusive = paroled || this.alone.delete(index);
      this.active.set(index, p);
      this.take(p, n, out, 0, alreadyAsked);
    }
    if (paroled) return out;
    // 3. out of new pieces (or memory): help with other peers' pieces
    for (const p of this.active.values()) {
      if (out.length >= n) break;
      if (p.free > 0 && !p.exclusive && peer.has(p.index)) this.take(p, n, out, 0, alreadyAsked);
    }
    // 4. endgame: everything is asked for; ask again where a block is still pending
    if (out.length === 0 && this.inEndgame()) {
      for (const p of this.active.values()) {
        if (out.length >= n) break;
        if (!p.exclusive && peer.has(p.index)) this.take(p, n, out, ENDGAME_DUPLICATES - 1, alreadyAsked);
      }
    }
    return out;
  }

  /**
   * Piece `index` failed its check with several `senders`: they go on parole, and the piece is
   * fetched again from one peer, so whoever sent it wrong next time is its only sender.
   */
  parole(index: number, senders: Iterable<string>): void {
    for (const who of senders) this.paroled.add(who);
    this.alone.add(index);
  }

  /** An exclusive piece changes hands: blocks from anyone but `who` are fetched again. */
  private startOver(p: ActivePiece, who: string): void {
    p.exclusive = true;
    for (let b = 0; b < p.blocks; b++) if (p.received[b] && p.from[b] !== who) this.drop(p, b);
  }

  /** Block `b` of `p` counts as never received. */
  private drop(p: ActivePiece, b: number): void {
    p.from[b] = undefined;
    p.received[b] = 0;
    p.receivedCount--;
    if (p.pending[b] === 0) p.free++;
  }

  private take(p: ActivePiece, n: number, out: BlockRequest[], maxPending: number, alreadyAsked: (index: number, begin: number) => boolean): void {
    for (let b = 0; b < p.blocks && out.length < n; b++) {
      if (p.received[b] || p.pending[b] > maxPending) continue;
      const begin = b * BLOCK_SIZE;
      if (maxPending > 0 && alreadyAsked(p.index, begin)) continue;
      if (p.pending[b]++ === 0) p.free--;
      out.push({ index: p.index, begin, length: blockLength(p.size, b) });
    }
  }

  inEndgame(): boolean {
    for (let i = 0; i < this.meta.pieceCount; i++) if (this.missing(i)) return false;
    for (const p of this.active.values()) if (p.free > 0) return false;
    return true;
  }

  private pickNew(peer: Bitfield): number {
    const count = this.meta.pieceCount;
    const start = Math.floor(Math.random() * count);
    const random = this.have.count + this.verifying.size < RANDOM_FIRST;
    let best = -1;
    let bestAvail = Infinity;
    for (let k = 0; k < count; k++) {
      const i = (start + k) % count;
      if (!peer.has(i) || !this.missing(i)) continue;
      if (random) return i;
      const a = this.availability[i];
      if (a < bestAvail) {
        best = i;
        bestAvail = a;
        if (a <= 1) break;
      }
    }
    return best;
  }

  /** A requested block is no longer coming (cancelled, choked, peer gone, timed out). */
  release(index: number, begin: number): void {
    const p = this.active.get(index);
    if (!p) return;
    const b = blockIndex(begin);
    if (p.pending[b] > 0 && --p.pending[b] === 0 && !p.received[b]) {
      p.free++;
      p.owner = undefined; // whoever asks next takes it over
    }
  }

  /**
   * Stores a block. Returns the piece when it is complete (it is then being verified until
   * `doneVerifying`), 'dup' for a block we already had, undefined otherwise.
   */
  block(index: number, begin: number, data: Buffer | Buffer[], length: number, from: string): CompletePiece | 'dup' | undefined {
    const p = this.active.get(index);
    if (!p) return 'dup';
    const b = blockIndex(begin);
    if (p.received[b]) return 'dup';
    if (length !== blockLength(p.size, b)) return 'dup';
    if (Buffer.isBuffer(data)) copyBytes(data, p.buf, begin);
    else {
      let at = begin;
      for (const part of data) at += copyBytes(part, p.buf, at);
    }
    p.received[b] = 1;
    if (p.pending[b] === 0) p.free--; // arrived without being asked of anyone still waiting
    else p.pending[b]--;
    this.askedElsewhere = p.pending[b] > 0;
    p.receivedCount++;
    p.from[b] = from;
    if (p.receivedCount < p.blocks) return undefined;
    this.active.delete(index);
    this.verifying.add(index);
    return p;
  }

  /** The hash check and write of piece `index` are over: it is stored, or missing again. */
  doneVerifying(index: number): void {
    this.verifying.delete(index);
  }

  /** Drops every block a (banned) peer supplied to unfinished pieces, so its data is fetched again. */
  forget(peer: string): void {
    for (const p of this.active.values()) {
      for (let b = 0; b < p.blocks; b++) {
        if (p.from[b] !== peer) continue;
        this.drop(p, b);
        p.owner = undefined;
      }
    }
  }

  get activeBytes(): number {
    let n = 0;
    for (const p of this.active.values()) n += p.size;
    return n;
  }
}
