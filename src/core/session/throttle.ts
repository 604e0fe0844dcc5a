// A token bucket for an upload (or download) rate limit shared by every connection.
export class Throttle {
  private tokens: number;
  private last = Date.now();
  private readonly waiters: (() => void)[] = [];
  private timer?: NodeJS.Timeout;

  /** `rate` bytes per second; bursts of up to `burst` bytes (default: a quarter second). */
  constructor(readonly rate: number, private readonly burst = Math.max(64 * 1024, rate / 4)) {
    this.tokens = this.burst;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Resolves when `bytes` may be sent. Waiters are served in order. */
  take(bytes: number): Promise<void> | undefined {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= bytes) {
      this.tokens -= bytes;
      return undefined;
    }
    return new Promise((resolve) => {
      this.waiters.push(() => {
        this.tokens -= bytes;
        resolve();
      });
      this.schedule(bytes);
    });
  }

  private schedule(bytes: number): void {
    if (this.timer) return;
    const wait = Math.max(5, ((bytes - this.tokens) / this.rate) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 0) this.waiters.shift()!();
      if (this.waiters.length > 0) this.schedule(bytes);
    }, wait);
    this.timer.unref();
  }
}

/** What pacing a socket's reads needs of it (a net.Socket; tests pass a stand-in). */
export interface Readable {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  readonly destroyed: boolean;
}

/**
 * Paces what `socket` reads to `throttle`'s rate (the download limit): every chunk read is paid for
 * from the bucket, and while the bucket is in debt the socket is paused, so the kernel's buffer fills
 * and TCP's flow control slows the sender. No byte is held back or copied: the debt is paid afterwards.
 */
export function paceReads(socket: Readable, throttle: Throttle): void {
  let owing = 0;
  socket.on('data', (chunk: Buffer) => {
    const wait = throttle.take(chunk.length);
    if (!wait) return;
    owing++;
    socket.pause();
    void wait.then(() => {
      if (--owing === 0 && !socket.destroyed) socket.resume();
    });
  });
}
