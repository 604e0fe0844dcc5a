// The SeedAnnouncer against real trackers on loopback: against STA's, hundreds of complete
// torrents cost one request per interval (counted by the tracker), the ones its catalog lacks are
// republished in one batch, leavers go in one `stopped`; a tracker that is down is retried with
// backoff; opentracker (no such route) hands every torrent back to its own announcer.
import assert from 'node:assert/strict';
import { encode } from '../../src/core/bencode';
import type { Metainfo } from '../../src/core/metainfo';
import { TrackerServer } from '../../src/core/tracker/server';
import { SeedAnnouncer, SeedHandle } from '../../src/core/trackerClient/seedAnnouncer';
import { requireClient, startOpentracker } from '../helpers/clients';
import { makeTempDir } from '../helpers/files';
import { freePort } from '../helpers/freePort';
import { httpRequestFrom } from '../helpers/http';
import { sleep, waitFor } from '../helpers/wait';
import { fakeTracker } from '../unit/core/trackerClient/fakeTracker';
import { torrentOf } from '../unit/core/tracker/fixtures';

const PEER_ID = Buffer.from('-ST0100-seedbatch001');

interface TestSeed extends SeedHandle {
  fellBack: string[];
  publishedTo: string[];
}

/** A handle for `m`; `catalogPath` null: one that is never published. */
function seedOf(m: Metainfo, catalogPath: string | null = `dir/${m.name}`): TestSeed {
  const s: TestSeed = {
    infoHash: m.infoHash,
    infoHashHex: m.infoHashHex,
    torrent: m.torrent,
    name: m.name,
    catalogPath: catalogPath ?? undefined,
    fellBack: [],
    publishedTo: [],
    fallback: (url) => s.fellBack.push(url),
    published: (url) => s.publishedTo.push(url),
  };
  return s;
}

describe('SeedAnnouncer: complete torrents announced in batches', function () {
  this.timeout(60_000);
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('300 torrents: republished in one batch, then one request per interval; 100 leave in one stopped, close stops the rest', async () => {
    const t = new TrackerServer({ host: '127.0.0.1', port: 0, interval: 1 });
    await t.listen();
    stops.push(() => t.close());
    const seeds = new SeedAnnouncer({ peerId: PEER_ID, port: () => 7601, flushDelayMs: 200 });
    stops.push(() => seeds.close());
    const all = Array.from({ length: 300 }, (_, i) => seedOf(torrentOf(`s-${i}.bin`, i)));
    for (const s of all) assert.equal(seeds.add(t.announceUrl, s), true);
    const seeders = (list: TestSeed[]) => list.map((s) => t.swarms.get(s.infoHashHex)?.seeders ?? 0);
    await waitFor('every torrent seeded on the tracker', () => seeders(all).every((n) => n === 1), 10_000, 50);
    assert.equal(t.catalog.size, 300);
    assert.ok(all.every((s) => s.publishedTo.length === 1 && s.publishedTo[0] === t.announceUrl));
    assert.ok(all.every((s) => s.fellBack.length === 0));
    // started (all unknown to the catalog), one batch publish, started again (now listed)
    assert.deepEqual({ ...t.requests, seeds: 0 }, { announce: 0, seeds: 0, scrape: 0, catalogList: 0, publish: 0, publishBatch: 1, other: 0 });
    assert.ok(t.requests.seeds >= 2 && t.requests.seeds <= 3, `${t.requests.seeds} seeds announces`);
    assert.equal(seeds.supports(t.announceUrl), true);

    const before = t.requests.seeds;
    await sleep(3300);
    const perInterval = t.requests.seeds - before;
    assert.ok(perInterval >= 2 && perInterval <= 4, `${perInterval} requests in 3.3 intervals for 300 torrents`);
    assert.equal(t.requests.announce, 0);
    assert.deepEqual(seeders(all), all.map(() => 1), 'still seeded: none expired');

    const leaving = all.slice(0, 100);
    const seedsBefore = t.requests.seeds;
    for (const s of leaving) seeds.remove(t.announceUrl, s);
    await waitFor('the leavers gone', () => seeders(leaving).every((n) => n === 0), 5000, 50);
    assert.ok(t.requests.seeds - seedsBefore <= 2, `${t.requests.seeds - seedsBefore} requests for 100 leavers`);
    assert.equal(t.catalog.size, 200, 'the last seeder leaving takes the entry with it');
    assert.deepEqual(seeders(all.slice(100)), all.slice(100).map(() => 1));

    const atClose = t.requests.seeds;
    await seeds.close();
    assert.ok(t.requests.seeds - atClose <= 2);
    assert.deepEqual(seeders(all), all.map(() => 0));
    assert.equal(seeds.add(t.announceUrl, seedOf(torrentOf('late.bin', 900))), false, 'closed: nothing more is sent');
  });

  it('a torrent it cannot publish (no catalog path, or a path someone else holds) goes back to its own announcer', async () => {
    const t = new TrackerServer({ host: '127.0.0.1', port: 0, interval: 60 });
    await t.listen();
    stops.push(() => t.close());
    const seeds = new SeedAnnouncer({ peerId: PEER_ID, port: () => 7602, flushDelayMs: 100 });
    stops.push(() => seeds.close());
    const listed = seedOf(torrentOf('listed.bin', 1));
    const unlisted = seedOf(torrentOf('private.bin', 2), null);
    const taken = seedOf(torrentOf('taken.bin', 3));
    const other = torrentOf('taken.bin', 4);
    assert.equal((await httpRequestFrom('127.0.0.2', 'POST', `${t.catalogUrl}?path=dir/taken.bin`, other.torrent)).status, 201);
    for (const s of [listed, unlisted, taken]) seeds.add(t.announceUrl, s);
    await waitFor('the two handed back', () => unlisted.fellBack.length + taken.fellBack.length === 2 || undefined, 5000, 50);
    assert.deepEqual([unlisted.fellBack, taken.fellBack], [[t.announceUrl], [t.announceUrl]]);
    await waitFor('listed.bin seeded', () => t.swarms.get(listed.infoHashHex)?.seeders === 1 || undefined, 5000, 50);
    assert.deepEqual(listed.fellBack, []);
    assert.equal(seeds.size, 1);
  });

  it('backs off while the tracker fails, and settles to its interval once it answers', async () => {
    let failing = true;
    const fake = await fakeTracker(() =>
      failing ? { status: 503, body: encode({ 'failure reason': 'busy' }) } : { body: encode({ interval: 60, 'min interval': 30 }) },
    );
    stops.push(() => fake.close());
    const seeds = new SeedAnnouncer({ peerId: PEER_ID, port: () => 7603, flushDelayMs: 50, minBackoffMs: 100, maxBackoffMs: 400 });
    stops.push(() => seeds.close(500));
    for (let i = 0; i < 50; i++) seeds.add(fake.url, seedOf(torrentOf(`b-${i}.bin`, i)));
    await sleep(2000);
    // 50 ms, then 100, 200, 400, 400, 400… : about 6 tries in 2 s, whatever the number of torrents
    const tries = fake.lines.length;
    assert.ok(tries >= 4 && tries <= 9, `${tries} tries in 2 s`);
    assert.equal(seeds.supports(fake.url), undefined, 'failing is not "unsupported"');
    failing = false;
    await waitFor('an answer', () => fake.lines.length > tries || undefined, 2000, 20);
    await sleep(300);
    const settled = fake.lines.length;
    await sleep(1000);
    assert.equal(fake.lines.length, settled, 'nothing more before the 60 s interval');
    assert.equal(seeds.supports(fake.url), true);
    assert.equal(fake.bodies[fake.bodies.length - 1].length, 50 * 20, 'all 50 in one request');
  });

  it('opentracker has no seeds route: every torrent is handed back, later ones are not taken, an STA tracker beside it still batches', async () => {
    requireClient('opentracker');
    const { dir, cleanup } = await makeTempDir('sta-ot-seeds-');
    stops.push(cleanup);
    const ms = [1, 2, 3].map((i) => torrentOf(`ot-${i}.bin`, i));
    const ot = await startOpentracker({ dir, port: await freePort(), infoHashes: ms.map((m) => m.infoHashHex) });
    stops.push(() => ot.stop());
    const t = new TrackerServer({ host: '127.0.0.1', port: 0, interval: 60 });
    await t.listen();
    stops.push(() => t.close());
    const seeds = new SeedAnnouncer({ peerId: PEER_ID, port: () => 7604, flushDelayMs: 100 });
    stops.push(() => seeds.close());
    const handles = ms.slice(0, 2).map((m) => seedOf(m));
    for (const s of handles) {
      assert.equal(seeds.add(ot.announce, s), true, 'not known yet: tried');
      assert.equal(seeds.add(t.announceUrl, s), true);
    }
    await waitFor('both handed back', () => handles.every((s) => s.fellBack.length === 1) || undefined, 5000, 50);
    assert.deepEqual(handles.map((s) => s.fellBack), [[ot.announce], [ot.announce]]);
    assert.equal(seeds.supports(ot.announce), false);
    assert.equal(seeds.add(ot.announce, seedOf(ms[2])), false, 'known not to take batches');
    await waitFor('both seeded on the STA tracker', () => handles.every((s) => t.swarms.get(s.infoHashHex)?.seeders === 1) || undefined, 5000, 50);
    assert.equal(seeds.supports(t.announceUrl), true);
  });
});
