// The shared upload token bucket: bursts pass at once, then senders wait in order for the
// bytes the rate refills; over time no more than rate × seconds (+ one burst) goes out.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { paceReads, Throttle } from '../../../../src/core/session/throttle';
import { FakeClock } from '../../../helpers/fakeClock';

const KiB = 1024;

describe('Throttle', () => {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock(1_700_000_000_000).install()));
  afterEach(() => clock.uninstall());

  /** A take() whose promise (if any) records whether it has resolved. */
  const take = (t: Throttle, bytes: number) => {
    const p = t.take(bytes);
    const state = { sync: p === undefined, done: p === undefined };
    void p?.then(() => (state.done = true));
    return state;
  };

  it('lets a full burst through at once, then makes the next sender wait', () => {
    const t = new Throttle(100_000);
    assert.equal(t.take(64 * KiB), undefined, 'the default burst is at least 64 KiB');
    assert.ok(t.take(1) instanceof Promise);
  });

  it('sizes the default burst to a quarter second of the rate when that is more than 64 KiB', () => {
    const t = new Throttle(4 * 1024 * KiB);
    assert.equal(t.take(1024 * KiB), undefined);
    assert.ok(t.take(1) instanceof Promise);
  });

  it('honours an explicit burst', () => {
    const t = new Throttle(100_000, 1000);
    assert.equal(t.take(1000), undefined);
    assert.ok(t.take(1) instanceof Promise);
  });

  it('releases a waiter once the rate has refilled what it lacks, not before', async () => {
    const t = new Throttle(100_000, 64 * KiB);
    t.take(64 * KiB);
    const w = take(t, 50_000); // 0.5 s at 100 kB/s
    await clock.advance(499);
    assert.equal(w.done, false);
    await clock.advance(1);
    assert.equal(w.done, true);
  });

  it('refills while idle, up to the burst and no further', async () => {
    const t = new Throttle(100_000, 64 * KiB);
    t.take(64 * KiB);
    await clock.advance(60_000);
    assert.equal(t.take(64 * KiB), undefined);
    assert.ok(t.take(1) instanceof Promise);
  });

  it('serves waiters in order: a small take queues behind a big one even when tokens would cover it', async () => {
    const t = new Throttle(100_000, 64 * KiB);
    t.take(60 * KiB);
    const order: string[] = [];
    const big = t.take(20 * KiB);
    const small = t.take(1);
    assert.ok(big && small, 'both wait');
    void big.then(() => order.push('big'));
    void small.then(() => order.push('small'));
    while (order.length < 2) await clock.advance(5);
    assert.deepEqual(order, ['big', 'small']);
  });

  it('lets a waiter through on credit and makes the next one wait out that debt', async () => {
    const t = new Throttle(100_000, 64 * KiB);
    t.take(64 * KiB);
    const a = take(t, 10_000);
    const b = take(t, 60_000);
    await clock.advance(100);
    assert.deepEqual([a.done, b.done], [true, true], 'both go when the balance reaches zero');
    const c = take(t, 1);
    await clock.advance(599);
    assert.equal(c.done, false, '60 kB of debt is 0.6 s at 100 kB/s');
    await clock.advance(2);
    assert.equal(c.done, true);
  });

  it('holds a steady sender to the rate over many seconds', async () => {
    const rate = 64 * KiB;
    const t = new Throttle(rate, 64 * KiB);
    const total = 2 * 1024 * KiB;
    const start = clock.now;
    let sent = 0;
    const sender = (async () => {
      while (sent < total) {
        await t.take(16 * KiB);
        sent += 16 * KiB;
      }
    })();
    while (sent < total) await clock.advance(10);
    await sender;
    const seconds = (clock.now - start) / 1000;
    const expected = (total - 64 * KiB) / rate; // the first burst is free
    assert.ok(Math.abs(seconds - expected) < 0.1, `${total} bytes took ${seconds} s at ${rate} B/s, expected ~${expected} s`);
  });
});

/** A socket stand-in whose peer sends as fast as it is read: one chunk every millisecond while it flows. */
class FastSender extends EventEmitter {
  destroyed = false;
  paused = false;
  received = 0;
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  /** what the kernel would hand over in `ms` milliseconds while the socket is not paused */
  async run(clock: FakeClock, ms: number, chunk: number): Promise<void> {
    for (let t = 0; t < ms; t++) {
      if (!this.paused && !this.destroyed) {
        this.received += chunk;
        this.emit('data', Buffer.alloc(chunk));
      }
      await clock.advance(1);
    }
  }
}

describe('paceReads (the download limit)', () => {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock(1_700_000_000_000).install()));
  afterEach(() => clock.uninstall());

  it('reads a fast sender at the rate, not faster, over several seconds', async () => {
    const rate = 256 * KiB;
    const t = new Throttle(rate);
    const socket = new FastSender();
    paceReads(socket, t);
    await socket.run(clock, 4000, 16 * KiB);
    // one burst (64 KiB) and one chunk read before the pause may come on top of 4 s at the rate
    assert.ok(socket.received <= rate * 4 + 64 * KiB + 16 * KiB, `${socket.received} bytes in 4 s at ${rate} B/s`);
    assert.ok(socket.received >= rate * 4 * 0.9, `${socket.received} bytes in 4 s: the limit must not starve the reader`);
  });

  it('shares one rate between sockets', async () => {
    const rate = 128 * KiB;
    const t = new Throttle(rate);
    const [a, b] = [new FastSender(), new FastSender()];
    paceReads(a, t);
    paceReads(b, t);
    for (let ms = 0; ms < 3000; ms++) {
      for (const s of [a, b]) if (!s.paused) (s.received += 8 * KiB), s.emit('data', Buffer.alloc(8 * KiB));
      await clock.advance(1);
    }
    const total = a.received + b.received;
    assert.ok(total <= rate * 3 + 64 * KiB + 16 * KiB, `${total} bytes in 3 s at ${rate} B/s`);
    assert.ok(a.received > 0 && b.received > 0, 'both sockets read');
  });

  it('pauses only while the bucket is in debt, and leaves a destroyed socket alone', async () => {
    const t = new Throttle(100_000, 64 * KiB);
    const socket = new FastSender();
    paceReads(socket, t);
    socket.emit('data', Buffer.alloc(64 * KiB));
    assert.equal(socket.paused, false, 'the burst is free');
    socket.emit('data', Buffer.alloc(50_000));
    assert.equal(socket.paused, true);
    await clock.advance(501);
    assert.equal(socket.paused, false, 'resumed once 50 kB were paid for at 100 kB/s');
    socket.emit('data', Buffer.alloc(50_000));
    socket.destroyed = true;
    await clock.advance(1000);
    assert.equal(socket.paused, true, 'a destroyed socket is not resumed');
  });
});
