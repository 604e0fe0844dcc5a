// Publishing many .torrents: as few batch requests as the caps allow, one outcome per item,
// one at a time where the tracker has no batch route, and never a throw.
import assert from 'node:assert/strict';
import { TrackerServer } from '../../../../src/core/tracker/server';
import { publishTorrents } from '../../../../src/core/trackerClient/catalogClient';
import { httpRequestFrom } from '../../../helpers/http';
import { torrentOf } from '../tracker/fixtures';
import { deadUrl, FakeTracker, fakeTracker } from './fakeTracker';

describe('publishTorrents', function () {
  this.timeout(30_000);
  let t: TrackerServer | undefined;
  let fake: FakeTracker | undefined;
  afterEach(async () => {
    await t?.close();
    await fake?.close();
    t = fake = undefined;
  });

  it('publishes 2,500 .torrents in 3 batch requests; every one is listed, a refused one says why (409)', async () => {
    t = new TrackerServer({ host: '127.0.0.1', port: 0, maxEntriesPerAddress: 5000 });
    await t.listen();
    const items = Array.from({ length: 2500 }, (_, i) => {
      const m = torrentOf(`f-${i}.bin`, i);
      return { torrent: m.torrent, path: `dir/f-${i}.bin` };
    });
    // someone else's file at one of the paths: that item is refused, the others are not held up
    const theirs = await httpRequestFrom('127.0.0.2', 'POST', `${t.catalogUrl}?path=dir/f-7.bin`, torrentOf('f-7.bin', 9999).torrent);
    assert.equal(theirs.status, 201);
    const before = t.requests.publishBatch;
    const out = await publishTorrents(t.announceUrl, items);
    assert.equal(t.requests.publishBatch - before, 3, 'chunks of at most 1,000');
    assert.equal(out.length, 2500);
    const refused = out.flatMap((o, i) => (o.ok ? [] : [{ i, o }]));
    assert.equal(refused.length, 1);
    assert.equal(refused[0].i, 7);
    assert.ok(!refused[0].o.ok && refused[0].o.status === 409 && /another file is published/.test(refused[0].o.error), JSON.stringify(refused[0]));
    const ok = out[3];
    assert.ok(ok.ok && ok.file.path === 'dir/f-3.bin' && ok.file.infoHash === torrentOf('f-3.bin', 3).infoHashHex);
    assert.equal(t.catalog.size, 2500, '2,499 of ours and theirs');
  });

  it('splits by bytes too: .torrents of 1 MiB go at most three to a request', async () => {
    t = new TrackerServer({ host: '127.0.0.1', port: 0 });
    await t.listen();
    const big = Buffer.alloc(1024 * 1024, 1);
    const out = await publishTorrents(t.announceUrl, Array.from({ length: 7 }, (_, i) => ({ torrent: big, path: `big-${i}.bin` })));
    assert.equal(t.requests.publishBatch, 3);
    // each is refused by the tracker's own rules (over its .torrent cap): the outcome says so
    for (const o of out) assert.ok(!o.ok && o.status === 413 && /at most/.test(o.error), JSON.stringify(o));
  });

  it('one at a time where the tracker has no batch route; without an answer every item fails with no status', async () => {
    fake = await fakeTracker((req) =>
      req.url?.startsWith('/catalog/batch') ? { status: 404, body: 'no' } : { status: 201, body: JSON.stringify({ name: 'x', path: 'x' }) },
    );
    const items = [0, 1, 2].map((i) => ({ torrent: torrentOf(`s-${i}.bin`, i).torrent, path: `s-${i}.bin` }));
    const out = await publishTorrents(fake.url, items);
    assert.deepEqual(out.map((o) => o.ok), [true, true, true]);
    assert.deepEqual(fake.lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['POST /catalog/batch', 'POST /catalog', 'POST /catalog', 'POST /catalog']);
    const dead = await publishTorrents(await deadUrl(), items);
    for (const o of dead) assert.ok(!o.ok && o.status === undefined && /unreachable/.test(o.error), JSON.stringify(o));
  });
});
