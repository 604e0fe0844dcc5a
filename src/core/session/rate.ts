// Transfer rate over a sliding window of one-second buckets: cheap to update per block,
// cheap to read a few times a second.
export class RateMeter {
  private readonly buckets: Float64Array;
  private current = 0;
  private currentSecond = Math.floor(Date.now() / 1000);
  private readonly created = Date.now();
  total = 0;

  constructor(private readonly windowSeconds = 5) {
    this.buckets = new Float64Array(windowSeconds);
  }

  add(bytes: number, now = Date.now()): void {
    this.roll(now);
    this.buckets[this.current] += bytes;
    this.total += bytes;
  }

  /** bytes per second over the last window (the running second counted pro rata) */
  rate(now = Date.now()): number {
    this.roll(now);
    let sum = 0;
    for (const b of this.buckets) sum += b;
    // a young meter divides by its age, not the whole window: queues size from it at once
    const elapsed = Math.min(this.windowSeconds - 1 + (now % 1000) / 1000, (now - this.created) / 1000);
    return sum / Math.max(elapsed, 0.25);
  }

  private roll(now: number): void {
    const sec = Math.floor(now / 1000);
    let steps = sec - this.currentSecond;
    if (steps <= 0) return;
    if (steps > this.windowSeconds) steps = this.windowSeconds;
    for (let i = 0; i < steps; i++) {
      this.current = (this.current + 1) % this.windowSeconds;
      this.buckets[this.current] = 0;
    }
    this.currentSecond = sec;
  }
}
