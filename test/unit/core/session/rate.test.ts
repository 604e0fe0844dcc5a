// The sliding-window rate meter: bytes per second over the last few seconds, the running second
// counted pro rata, a young meter divided by its age so a new peer's queue sizes from it at once.
import assert from 'node:assert/strict';
import { RateMeter } from '../../../../src/core/session/rate';
import { FakeClock } from '../../../helpers/fakeClock';

const T0 = 1_700_000_000_000; // a whole second

describe('RateMeter', () => {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock(T0).install()));
  afterEach(() => clock.uninstall());

  it('counts every byte in total', () => {
    const m = new RateMeter();
    m.add(100, T0 + 10);
    m.add(50, T0 + 9000);
    assert.equal(m.total, 150);
  });

  it('divides a young meter by its age', () => {
    const m = new RateMeter();
    m.add(1000, T0 + 500);
    assert.equal(m.rate(T0 + 500), 2000);
  });

  it('never divides by less than a quarter second', () => {
    const m = new RateMeter();
    m.add(1000, T0 + 100);
    assert.equal(m.rate(T0 + 100), 4000);
  });

  it('reads a steady 1000 B/s as 1000 B/s at any point of the second, once the window is full', () => {
    for (const phase of [0, 1, 250, 500, 999]) {
      const now = T0 + 10_000 + phase;
      const m = new RateMeter(5);
      for (let t = T0; t < now; t += 100) m.add(100, t);
      const r = m.rate(now);
      assert.ok(Math.abs(r - 1000) <= 25, `at +${phase} ms: ${r} B/s`);
    }
  });

  it('forgets what is older than its window', () => {
    const m = new RateMeter(5);
    m.add(10_000, T0 + 100);
    assert.ok(m.rate(T0 + 4900) > 0);
    assert.equal(m.rate(T0 + 5000), 0);
    assert.equal(m.rate(T0 + 60_000), 0);
    assert.equal(m.total, 10_000);
  });

  it('measures only the recent past after a long idle gap', () => {
    const m = new RateMeter(5);
    m.add(1_000_000, T0);
    m.add(500, T0 + 100_000);
    assert.equal(m.rate(T0 + 100_500), 500 / 4.5);
  });

  it('reads the clock itself when no time is given', async () => {
    const m = new RateMeter();
    await clock.advance(500);
    m.add(1000);
    assert.equal(m.rate(), 2000);
  });
});
