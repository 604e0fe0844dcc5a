// The announcer against stand-in trackers on 127.0.0.1: BEP 12 tiers, backoff while every
// tracker is down, the events it reports, and the `stopped` it sends on the way out.
import assert from 'node:assert/strict';
import { encode } from '../../../../src/core/bencode';
import { Announcer, AnnouncerOptions } from '../../../../src/core/trackerClient/announcer';
import { deadUrl, FakeTracker, fakeTracker } from './fakeTracker';

const ok = (extra: Record<string, unknown> = {}) => () => ({ body: encode({ interval: 3600, peers: Buffer.alloc(0), ...extra }) });

function announcer(tiers: string[][], opts: Partial<AnnouncerOptions> = {}) {
  const stats = () => ({ uploaded: 0, downloaded: 0, left: 5 });
  const a = new Announcer({ tiers, infoHash: Buffer.alloc(20, 1), peerId: Buffer.alloc(20, 2), port: 6881, stats, ...opts });
  const log: string[] = [];
  a.on('announced', (_r, url) => log.push(`announced ${url}`));
  a.on('error', (_m, url) => log.push(`error ${url}`));
  a.on('unknownToCatalog', (url) => log.push(`unknown ${url}`));
  a.on('peers', (peers, url) => log.push(`peers ${url} ${peers.map((p) => `${p.ip}:${p.port}`).join(',')}`));
  return { a, log };
}

const until = async (check: () => boolean, ms = 3000) => {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 5))) if (Date.now() > end) throw new Error('timed out');
};

describe('Announcer', () => {
  const fakes: FakeTracker[] = [];
  const started: Announcer[] = [];
  const fake = async (answer: FakeTracker['answer'] = ok()) => {
    const f = await fakeTracker(answer);
    fakes.push(f);
    return f;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((a) => a.stop(200)));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('announces to every tier; within a tier the one that answers moves to the front', async () => {
    const [live, other] = [await fake(), await fake()];
    const dead = await deadUrl();
    const { a, log } = announcer([[dead, live.url], [other.url]]);
    started.push(a);
    a.start();
    await until(() => log.filter((l) => l.startsWith('announced')).length === 2);
    assert.equal(live.requests[0].event, 'started');
    assert.equal(other.requests[0].event, 'started');
    assert.ok(log.filter((l) => l === `error ${dead}`).length <= 1);
    log.length = 0;
    a.now('completed');
    await until(() => log.filter((l) => l.startsWith('announced')).length === 2);
    const want = [`announced ${live.url}`, `announced ${other.url}`].sort();
    assert.deepEqual(log.sort(), want, 'the dead tracker is tried after the live one, so not at all');
    assert.equal(live.requests[1].event, 'completed');
  });

  it('reports peers, and an STA catalog that does not list the torrent (so it is republished)', async () => {
    const t = await fake(ok({ peers: Buffer.from([10, 0, 0, 9, 0x1a, 0xe1]), 'sta catalog': 0 }));
    const { a, log } = announcer([[t.url]]);
    started.push(a);
    a.start();
    await until(() => log.length === 3);
    assert.deepEqual(log, [`announced ${t.url}`, `peers ${t.url} 10.0.0.9:6881`, `unknown ${t.url}`]);
    t.answer = ok({ 'sta catalog': 1 });
    a.now();
    await until(() => log.length === 4);
    assert.deepEqual(log.slice(3), [`announced ${t.url}`], 'a listed torrent and no peers: nothing else to report');
    assert.equal(a.lastResult?.staCatalog, 1);
  });

  it('backs off while every tracker fails: the delay doubles up to its maximum, then an answer clears the error', async () => {
    const t = await fake(() => ({ status: 500, body: 'down' }));
    const { a, log } = announcer([[t.url]], { minBackoffMs: 25, maxBackoffMs: 50 });
    started.push(a);
    const times: number[] = [];
    a.on('error', () => times.push(Date.now()));
    a.start();
    await until(() => times.length === 5);
    const gaps = times.slice(1).map((at, i) => at - times[i]);
    for (const [i, least] of [25, 50, 50, 50].entries()) assert.ok(gaps[i] >= least - 2, `gap ${i} is ${gaps[i]} ms, expected at least ${least}`);
    assert.ok(gaps[3] < 200, `gap 3 is ${gaps[3]} ms: the delay did not stop doubling at 50`);
    assert.match(a.lastError ?? '', /HTTP 500/);
    t.answer = ok();
    await until(() => log.some((l) => l.startsWith('announced')));
    assert.equal(a.lastError, undefined);
  });

  it('stop sends stopped to the first tracker of each tier it reached; nothing when it never reached one', async () => {
    const t = await fake();
    const { a, log } = announcer([[t.url]]);
    a.start();
    await until(() => log.length === 1);
    await a.stop();
    assert.deepEqual(t.requests.map((r) => r.event), ['started', 'stopped']);
    a.now();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(t.requests.length, 2, 'a stopped announcer stays stopped');

    const failing = await fake(() => ({ status: 500, body: 'down' }));
    const never = announcer([[failing.url]]);
    never.a.start();
    await until(() => never.log.length === 1);
    await never.a.stop();
    assert.deepEqual(failing.requests.map((r) => r.event), ['started']);
  });

  it('halt stops announcing without a stopped (the seeds batch takes over); start may say completed', async () => {
    const t = await fake();
    const { a, log } = announcer([[t.url]]);
    a.start();
    await until(() => t.requests.length === 1);
    await a.halt();
    await a.stop();
    a.now();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(t.requests.map((r) => r.event), ['started'], 'no stopped, nothing after halt');
    assert.ok(log.length <= 1);
    const { a: quiet } = announcer([[t.url]]);
    quiet.start();
    await quiet.halt();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(t.requests.length, 1, 'halted before its first announce went out: none goes');

    const { a: b } = announcer([[t.url]]);
    started.push(b);
    b.start('completed');
    await until(() => t.requests.length === 2);
    assert.equal(t.requests[1].event, 'completed');
  });
});
