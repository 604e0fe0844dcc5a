// Announces per source address: a token bucket each, so one address cannot flood the swarm table.
import { MAX_RATE_ADDRESSES } from './limits';

class Bucket {
  constructor(
    public tokens: number,
    public at: number,
  ) {}
}

export class AddressRate {
  private readonly buckets = new Map<string, Bucket>();

  /** `perSecond` 0 means no limit. */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxAddresses = MAX_RATE_ADDRESSES,
  ) {}

  /** Takes one announce's token for `address`; false when it has none left. */
  take(address: string, now: number): boolean {
    if (this.perSecond <= 0) return true;
    const b = this.refilled(address, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Takes up to `n` tokens for `address` (the new entries of a seeds announce); how many it got. */
  takeUpTo(address: string, now: number, n: number): number {
    if (this.perSecond <= 0) return n;
    const b = this.refilled(address, now);
    const got = Math.max(0, Math.min(n, Math.floor(b.tokens)));
    b.tokens -= got;
    return got;
  }

  private refilled(address: string, now: number): Bucket {
    let b = this.buckets.get(address);
    if (b === undefined) {
      if (this.buckets.size >= this.maxAddresses) this.prune(now);
      b = new Bucket(this.burst, now);
      this.buckets.set(address, b);
    } else if (now > b.at) {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perSecond) / 1000);
      b.at = now;
    }
    return b;
  }

  /** Forgets addresses whose bucket has refilled; if none has, the longest-known half. */
  private prune(now: number): void {
    const full = (this.burst * 1000) / this.perSecond;
    for (const [a, b] of this.buckets) if (now - b.at >= full) this.buckets.delete(a);
    if (this.buckets.size < this.maxAddresses) return;
    let drop = this.buckets.size >> 1;
    for (const a of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(a);
    }
  }
}
