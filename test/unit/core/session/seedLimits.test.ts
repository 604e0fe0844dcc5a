// Seeding limits of a finished download (aria2c's --seed-ratio / --seed-time): it stops once it has
// uploaded ratio × its size or seeded for the minutes given, whichever comes first; paused time does not count.
import assert from 'node:assert/strict';
import { hasSeedLimit, type SeededSession, seedLimitReached, type SeedingStopped, watchSeedLimits } from '../../../../src/core/session/seedLimits';
import type { SessionState } from '../../../../src/core/session/sessionTypes';
import { FakeClock } from '../../../helpers/fakeClock';

const MiB = 1024 * 1024;

class FakeSeed implements SeededSession {
  state: SessionState = 'seeding';
  uploaded = 0;
  constructor(readonly length = 10 * MiB) {}
  progress() {
    return { uploaded: this.uploaded, length: this.length };
  }
}

describe('seed limits', () => {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock(1_700_000_000_000).install()));
  afterEach(() => clock.uninstall());

  const watch = (seed: FakeSeed, limits: Parameters<typeof watchSeedLimits>[1]) => {
    const got: SeedingStopped[] = [];
    const stop = watchSeedLimits(seed, limits, (s) => got.push(s));
    return { got, stop };
  };

  it('no limit: never stops', async () => {
    assert.equal(hasSeedLimit({}), false);
    const seed = new FakeSeed();
    const { got } = watch(seed, {});
    seed.uploaded = 100 * seed.length;
    await clock.advance(24 * 3600_000);
    assert.equal(got.length, 0);
  });

  it('stops once uploaded ÷ size reaches the ratio, not before', async () => {
    const seed = new FakeSeed();
    const { got } = watch(seed, { ratio: 2 });
    seed.uploaded = 2 * seed.length - 1;
    await clock.advance(10_000);
    assert.equal(got.length, 0);
    seed.uploaded = 2 * seed.length;
    await clock.advance(1000);
    assert.equal(got.length, 1);
    assert.equal(got[0].reason, 'ratio');
    assert.equal(got[0].ratio, 2);
    assert.equal(got[0].text, 'ratio 2.0 reached');
    assert.ok(got[0].seconds >= 10 && got[0].seconds <= 11.01, `${got[0].seconds} s`);
    seed.uploaded = 5 * seed.length;
    await clock.advance(10_000);
    assert.equal(got.length, 1, 'reported once');
  });

  it('ratio 0 stops at once: a finished download that should not seed', () => {
    const { got } = watch(new FakeSeed(), { ratio: 0 });
    assert.equal(got.length, 1);
    assert.equal(got[0].reason, 'ratio');
    assert.equal(got[0].seconds, 0);
  });

  it('stops after the minutes of seeding, at that time', async () => {
    const seed = new FakeSeed();
    const { got } = watch(seed, { minutes: 1.5 });
    await clock.advance(89_999);
    assert.equal(got.length, 0);
    await clock.advance(1);
    assert.equal(got.length, 1);
    assert.deepEqual({ ...got[0] }, { reason: 'time', ratio: 0, seconds: 90, text: 'seeding time 1.5 min reached' });
  });

  it('counts only time spent seeding: a pause does not use up the minutes', async () => {
    const seed = new FakeSeed();
    const { got } = watch(seed, { minutes: 1 });
    await clock.advance(30_000);
    seed.state = 'paused';
    await clock.advance(10 * 60_000);
    assert.equal(got.length, 0);
    seed.state = 'seeding';
    await clock.advance(29_000);
    assert.equal(got.length, 0);
    await clock.advance(2000);
    assert.equal(got.length, 1);
    assert.ok(got[0].seconds >= 60 && got[0].seconds <= 61.01, `${got[0].seconds} s`);
  });

  it('a download still downloading does not count as seeding', async () => {
    const seed = new FakeSeed();
    seed.state = 'downloading';
    seed.uploaded = 3 * seed.length; // uploaded while downloading: counts once it seeds
    const { got } = watch(seed, { ratio: 1, minutes: 1 });
    await clock.advance(5 * 60_000);
    assert.equal(got.length, 0);
    seed.state = 'seeding';
    await clock.advance(1000);
    assert.equal(got[0]?.reason, 'ratio');
  });

  it('whichever limit comes first wins', async () => {
    const seed = new FakeSeed();
    const { got } = watch(seed, { ratio: 1, minutes: 1 });
    seed.uploaded = seed.length / 2;
    await clock.advance(61_000);
    assert.equal(got[0]?.reason, 'time');
    assert.equal(got[0].ratio, 0.5);
  });

  it('stopping the watch stops it for good', async () => {
    const seed = new FakeSeed();
    const { got, stop } = watch(seed, { ratio: 1 });
    stop();
    seed.uploaded = seed.length;
    await clock.advance(60_000);
    assert.equal(got.length, 0);
  });

  it('limits given as a function are asked again: a setting changed while it seeds applies', async () => {
    const seed = new FakeSeed();
    let limits: { ratio?: number; minutes?: number } = {};
    const got: SeedingStopped[] = [];
    watchSeedLimits(seed, () => limits, (s) => got.push(s));
    seed.uploaded = seed.length;
    await clock.advance(10_000);
    assert.equal(got.length, 0, 'no limit yet');
    limits = { ratio: 0.5 };
    await clock.advance(1000);
    assert.equal(got[0]?.text, 'ratio 0.5 reached');
  });

  it('seedLimitReached names the ratio before the time when both are met', () => {
    assert.equal(seedLimitReached({ ratio: 1, minutes: 1 }, 1, 60)?.reason, 'ratio');
    assert.equal(seedLimitReached({ ratio: 1 }, 0.99, 1e9), undefined);
    assert.equal(seedLimitReached({ minutes: 30 }, 0, 1800)?.text, 'seeding time 30 min reached');
  });
});
