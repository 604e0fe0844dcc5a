// Date.now and setTimeout under a test's control, so time-based code (throttles, rate meters)
// runs through seconds of its life in microseconds and the same way on every machine.
interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock {
  private timers: Timer[] = [];
  private seq = 0;
  private readonly real = { now: Date.now, setTimeout: global.setTimeout, clearTimeout: global.clearTimeout };

  constructor(public now: number) {}

  install(): this {
    Date.now = () => this.now;
    const fake = (fn: () => void, ms = 0) => {
      const timer: Timer = { at: this.now + Math.max(0, ms), seq: this.seq++, fn };
      this.timers.push(timer);
      return { timer, unref: () => undefined, ref: () => undefined };
    };
    global.setTimeout = fake as unknown as typeof setTimeout;
    global.clearTimeout = ((h?: { timer?: Timer }) => (this.timers = this.timers.filter((t) => t !== h?.timer))) as typeof clearTimeout;
    return this;
  }

  uninstall(): void {
    Date.now = this.real.now;
    global.setTimeout = this.real.setTimeout;
    global.clearTimeout = this.real.clearTimeout;
  }

  /** Moves time on by `ms`, firing due timers in order at their own time; promise callbacks run between timers. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await flushPromises();
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.now = next.at;
      next.fn();
    }
    this.now = end;
    await flushPromises();
  }
}

/** Lets every pending promise callback run (setImmediate comes after the microtask queue drains). */
export const flushPromises = (): Promise<void> => new Promise((r) => setImmediate(r));
