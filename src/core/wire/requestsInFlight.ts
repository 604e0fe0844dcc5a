// Our requests to one peer that still await their blocks, and the ones we gave up on lately:
// a block that crossed our cancel (or the peer's choke) on the wire is late, not unsolicited.
import { BLOCK_SIZE, blockKey, BlockRequest } from '../pieces';

export interface SentRequest extends BlockRequest {
  sentAt: number;
}

/** a whole queue crossing a choke fits; a flood of cancels cannot grow it further */
const REMEMBERED_CANCELS = 4096;

export class RequestsInFlight {
  private readonly sent = new Map<number, SentRequest>();
  private readonly recentlyCancelled = new Set<number>();
  private lastArrival = Date.now();

  get size(): number {
    return this.sent.size;
  }

  /** when a block we asked for last arrived */
  get lastBlockAt(): number {
    return this.lastArrival;
  }

  has(index: number, begin: number): boolean {
    return this.sent.has(blockKey(index, begin));
  }

  add(r: BlockRequest, now: number): void {
    this.sent.set(blockKey(r.index, r.begin), { index: r.index, begin: r.begin, length: r.length, sentAt: now });
  }

  /** A block arrived: 'asked' (and no longer in flight), 'late' after our cancel, or 'unsolicited'. */
  arrived(index: number, begin: number, length: number): 'asked' | 'late' | 'unsolicited' {
    const key = begin % BLOCK_SIZE === 0 ? blockKey(index, begin) : -1;
    const req = this.sent.get(key);
    if (!req || req.index !== index || req.begin !== begin || req.length !== length) return this.recentlyCancelled.has(key) ? 'late' : 'unsolicited';
    this.sent.delete(key);
    this.lastArrival = Date.now();
    return 'asked';
  }

  /** Forgets a request we cancel; false if it was not in flight. */
  cancel(index: number, begin: number): boolean {
    const key = blockKey(index, begin);
    if (!this.sent.delete(key)) return false;
    this.remember(key);
    return true;
  }

  /** Every request in flight, forgotten; `late` expects their blocks may still come. */
  takeAll(late: boolean): SentRequest[] {
    const all = [...this.sent.values()];
    if (late) for (const k of this.sent.keys()) this.remember(k);
    this.sent.clear();
    return all;
  }

  /** The requests sent before `time`. */
  sentBefore(time: number): SentRequest[] {
    return [...this.sent.values()].filter((r) => r.sentAt < time);
  }

  private remember(key: number): void {
    this.recentlyCancelled.add(key);
    if (this.recentlyCancelled.size <= REMEMBERED_CANCELS) return;
    const [oldest] = this.recentlyCancelled;
    this.recentlyCancelled.delete(oldest);
  }
}
