// What one announce does to a swarm (Swarm.announce), the peers it hands out, and expiry.
import assert from 'node:assert/strict';
import { isSwarmEvent, PeerBudget, Swarm, SwarmEvent } from '../../../../src/core/tracker/swarm';
import { SwarmTable } from '../../../../src/core/tracker/swarmTable';

const T0 = 1_000_000;
const counts = (s: Swarm) => ({ seeders: s.seeders, leechers: s.leechers, completed: s.completed });

/** A swarm and a shorthand to announce peer `key` from 10.0.0.<n>. */
function swarm() {
  const s = new Swarm();
  const announce = (key: string, event: SwarmEvent, left: number | undefined, now = T0) =>
    s.announce(event, left, key, `10.0.0.${key.charCodeAt(0)}`, 6881, now);
  return { s, announce };
}

/** The compact addresses `sampleCompact` writes for `n` peers. */
function compact(s: Swarm, n: number, self: string, seederAsking: boolean) {
  const v4 = Buffer.alloc(6 * n);
  const v6 = Buffer.alloc(18 * n);
  const got = { v4: 0, v6: 0 };
  s.sampleCompact(n, self, seederAsking, v4, v6, got);
  return { v4: v4.subarray(0, got.v4), v6: v6.subarray(0, got.v6) };
}

describe('Swarm.announce', () => {
  it('started adds a leecher or a seeder; a re-announce updates and does not add', () => {
    const { s, announce } = swarm();
    assert.equal(announce('a', 'started', 100), false);
    assert.equal(announce('b', 'started', 0), true);
    assert.deepEqual(counts(s), { seeders: 1, leechers: 1, completed: 0 });
    announce('a', '', 50);
    announce('a', 'started', 40);
    assert.equal(s.size, 2);
    assert.deepEqual(counts(s), { seeders: 1, leechers: 1, completed: 0 });
  });

  it('completed counts once: the event, then again, then left=0 re-announces', () => {
    const { s, announce } = swarm();
    announce('a', 'started', 100);
    assert.equal(announce('a', 'completed', 0), true);
    announce('a', 'completed', 0);
    announce('a', '', 0);
    assert.deepEqual(counts(s), { seeders: 1, leechers: 0, completed: 1 });
  });

  it('a known leecher reaching left=0 without the event counts; a seeder saying completed does not', () => {
    const { s, announce } = swarm();
    announce('a', 'started', 9);
    announce('a', '', 0);
    announce('b', 'started', 0);
    announce('b', 'completed', 0);
    assert.deepEqual(counts(s), { seeders: 2, leechers: 0, completed: 1 });
  });

  it('completed from a peer never seen before counts (the tracker restarted mid-download)', () => {
    const { s, announce } = swarm();
    announce('a', 'completed', 0);
    assert.deepEqual(counts(s), { seeders: 1, leechers: 0, completed: 1 });
  });

  it('stopped removes; a leecher stopping with left=0 finished and counts, a seeder stopping does not', () => {
    const { s, announce } = swarm();
    announce('a', 'started', 9);
    announce('b', 'started', 9);
    announce('c', 'started', 0);
    assert.equal(announce('a', 'stopped', 0), true);
    announce('b', 'stopped', 5);
    announce('c', 'stopped', 0);
    announce('z', 'stopped', 0);
    assert.deepEqual(counts(s), { seeders: 0, leechers: 0, completed: 1 });
    assert.equal(s.size, 0);
  });

  it('a bare announce without left keeps the standing; paused or empty without left makes a leecher', () => {
    const { s, announce } = swarm();
    announce('a', 'started', 0);
    assert.equal(announce('a', '', undefined), true);
    assert.equal(announce('a', 'paused', undefined), false);
    assert.deepEqual(counts(s), { seeders: 0, leechers: 1, completed: 0 });
    assert.equal(announce('a', 'empty', 0), true, 'left=0 seeds whatever the event');
    assert.equal(s.completed, 1, 'and a known leecher reaching left=0 finished');
    assert.equal(announce('b', '', undefined), false, 'an unknown peer without left leeches');
  });

  it('a seeder re-announcing with bytes left becomes a leecher (a recheck found damage)', () => {
    const { s, announce } = swarm();
    announce('a', 'started', 0);
    announce('a', '', 10);
    assert.deepEqual(counts(s), { seeders: 0, leechers: 1, completed: 0 });
  });

  it('knows its events', () => {
    for (const e of ['', 'started', 'completed', 'stopped', 'paused', 'empty']) assert.ok(isSwarmEvent(e), e);
    for (const e of ['STARTED', 'start', ' ', 'stopped ']) assert.ok(!isSwarmEvent(e), e);
  });
});

describe('Swarm peers', () => {
  it('hands out up to n others, never the asker; a seeder asking gets no seeders', () => {
    const { s, announce } = swarm();
    for (const k of 'abcde') announce(k, 'started', 10);
    for (const k of 'fg') announce(k, 'started', 0);
    for (let i = 0; i < 20; i++) {
      const keys = s.sample(50, 'a', false).map((p) => p.key).sort();
      assert.deepEqual(keys, ['b', 'c', 'd', 'e', 'f', 'g']);
      assert.equal(s.sample(3, 'a', false).length, 3);
      assert.deepEqual(s.sample(50, 'f', true).map((p) => p.key).sort(), ['a', 'b', 'c', 'd', 'e']);
    }
    assert.deepEqual(s.sample(0, 'a', false), []);
  });

  it('compact: 6 bytes per IPv4 peer, 18 per IPv6 one, as the same choice as sample', () => {
    const s = new Swarm();
    s.announce('started', 1, 'v4', '192.168.1.2', 0x1ae1, T0);
    s.announce('started', 1, 'v6', '2001:db8::1', 6882, T0);
    s.announce('started', 1, 'me', '10.0.0.1', 1, T0);
    const got = compact(s, 10, 'me', false);
    assert.deepEqual(got.v4, Buffer.from([192, 168, 1, 2, 0x1a, 0xe1]));
    assert.deepEqual(got.v6, Buffer.from('20010db8000000000000000000000001' + (6882).toString(16).padStart(4, '0'), 'hex'));
    const one = compact(s, 1, 'me', false);
    assert.equal(one.v4.length / 6 + one.v6.length / 18, 1, 'numwant 1 gives one peer');
  });

  it('a peer that moves (its `ip` parameter, from the same source) gets its new address; removal keeps the others intact', () => {
    const s = new Swarm();
    for (let i = 1; i <= 5; i++) s.announce('started', 1, `p${i}`, `10.0.0.${i}`, 1000 + i, T0);
    s.announce('', 1, 'p5', '::2', 2005, T0, '10.0.0.5');
    s.announce('stopped', 1, 'p1', '10.0.0.1', 1001, T0);
    const got = compact(s, 10, 'nobody', false);
    const v4 = [];
    for (let i = 0; i < got.v4.length; i += 6) v4.push(`${got.v4[i + 3]}:${got.v4.readUInt16BE(i + 4)}`);
    assert.deepEqual(v4.sort(), ['2:1002', '3:1003', '4:1004']);
    assert.deepEqual(got.v6, Buffer.from('0000000000000000000000000000000207d5', 'hex'));
  });

  it('expire drops peers not seen since a time, and their seeder counts', () => {
    const { s, announce } = swarm();
    announce('a', 'started', 0, T0);
    announce('b', 'started', 9, T0);
    announce('c', 'started', 0, T0 + 5000);
    assert.equal(s.expire(T0 + 1), 2);
    assert.deepEqual(counts(s), { seeders: 1, leechers: 0, completed: 0 });
    assert.deepEqual(s.sample(9, 'x', false).map((p) => p.key), ['c']);
  });

  it('grows past its first slots without losing anyone', () => {
    const s = new Swarm();
    for (let i = 0; i < 300; i++) s.announce('started', i % 3 === 0 ? 0 : 1, `peer${i}`, `10.1.${i >> 8}.${i & 255}`, 1 + i, T0);
    assert.equal(s.size, 300);
    assert.equal(s.seeders, 100);
    assert.equal(compact(s, 500, 'none', false).v4.length, 300 * 6);
  });
});

describe('Swarm: who may change a peer, and the caps', () => {
  it('an announce of a known peer id from another source changes nothing, stopped included', () => {
    const s = new Swarm();
    s.announce('started', 0, 'v', '10.0.0.1', 6881, T0, '10.0.0.1');
    assert.equal(s.announce('', 5, 'v', '10.0.0.9', 9999, T0, '10.0.0.9'), false);
    s.announce('stopped', 0, 'v', '10.0.0.9', 9999, T0, '10.0.0.9');
    assert.deepEqual(counts(s), { seeders: 1, leechers: 0, completed: 0 });
    assert.deepEqual(compact(s, 5, 'x', false).v4, Buffer.from([10, 0, 0, 1, 6881 >> 8, 6881 & 255]));
    assert.equal(s.seedsFrom('10.0.0.1'), true);
    assert.equal(s.seedsFrom('10.0.0.9'), false);
  });

  it('a full swarm, or a spent peer budget, refuses new peers (undefined) and still updates known ones', () => {
    const budget = new PeerBudget(3);
    const a = new Swarm(2, budget);
    const b = new Swarm(10, budget);
    a.announce('started', 1, 'p1', '10.0.0.1', 1, T0);
    a.announce('started', 1, 'p2', '10.0.0.2', 1, T0);
    assert.equal(a.announce('started', 1, 'p3', '10.0.0.3', 1, T0), undefined);
    assert.equal(a.announce('', 0, 'p1', '10.0.0.1', 1, T0), true);
    b.announce('started', 1, 'q1', '10.0.0.4', 1, T0);
    assert.equal(b.announce('started', 1, 'q2', '10.0.0.5', 1, T0), undefined, 'the tracker-wide budget is spent');
    a.announce('stopped', 1, 'p2', '10.0.0.2', 1, T0);
    assert.equal(budget.used, 2);
    assert.equal(b.announce('started', 1, 'q2', '10.0.0.5', 1, T0), false);
  });

  it('SwarmTable: no new swarm past maxSwarms', () => {
    const t = new SwarmTable({ maxSwarms: 1, maxPeersPerSwarm: 5, maxTrackedPeers: 5 });
    assert.ok(t.getOrCreate('a'));
    assert.equal(t.getOrCreate('b'), undefined);
    assert.ok(t.getOrCreate('a'));
  });
});

describe('SwarmTable', () => {
  it('expire drops empty swarms unless they remember a download and were active since', () => {
    const t = new SwarmTable();
    t.getOrCreate('quiet')!.announce('started', 1, 'a', '10.0.0.1', 1, T0);
    const done = t.getOrCreate('done')!;
    done.announce('completed', 0, 'b', '10.0.0.2', 1, T0);
    t.getOrCreate('busy')!.announce('started', 1, 'c', '10.0.0.3', 1, T0 + 10_000);
    assert.equal(t.expire(T0 + 1), 2);
    assert.deepEqual([...t.keys()].sort(), ['busy']);
    assert.equal(t.get('done'), undefined, 'its last activity was before the deadline too');

    const kept = t.getOrCreate('kept')!;
    kept.announce('completed', 0, 'd', '10.0.0.4', 1, T0 + 10_000);
    kept.announce('stopped', 0, 'd', '10.0.0.4', 1, T0 + 10_000);
    t.expire(T0 + 5000);
    assert.equal(t.get('kept')?.completed, 1, 'an empty swarm with a download, active after the deadline, stays for scrape');
    assert.equal(t.size, 2);
  });
});
