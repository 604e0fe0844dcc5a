// The seeds batch inside the engine: an Engine seeding many files announces them to STA's tracker
// without one per-torrent announce; a download announces on its own, then moves into the batch
// when it completes (counted as a finished download). Against opentracker the seeder falls back
// to per-torrent announces and a leecher still finds it.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { decode } from '../../src/core/bencode';
import { createTorrent } from '../../src/core/metainfo';
import { Engine } from '../../src/core/engine';
import { TrackerServer } from '../../src/core/tracker/server';
import { fetchMetainfo } from '../../src/core/trackerClient/catalogClient';
import type { TorrentSession } from '../../src/core/session/torrentSession';
import { requireClient, startOpentracker } from '../helpers/clients';
import { makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { freePort } from '../helpers/freePort';
import { httpGet } from '../helpers/http';
import { pct } from '../helpers/announce';
import { sleep, waitFor } from '../helpers/wait';

const done = (s: TorrentSession, timeoutMs = 30_000) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${s.meta.name} not done within ${timeoutMs} ms`)), timeoutMs);
    s.once('done', (path) => (clearTimeout(timer), resolve(path)));
  });

/** seeders of `infoHash` by a BEP 48 scrape of the tracker at `announce` */
async function scrapeComplete(announce: string, infoHash: Buffer): Promise<number> {
  const r = await httpGet(`${announce.replace(/announce$/, 'scrape')}?info_hash=${pct(infoHash)}`);
  const files = decode(r.body).files as Record<string, { complete: number }> | undefined;
  return Object.values(files ?? {})[0]?.complete ?? 0;
}

describe('engine: seeds announced in batches', function () {
  this.timeout(90_000);
  const stops: (() => Promise<unknown>)[] = [];
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('sta-engine-seeds-');
    stops.push(() => tmp.cleanup());
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  });

  const engineFor = (tracker: string) => {
    const e = new Engine({ host: '127.0.0.1', port: 0, trackers: [tracker] });
    stops.push(() => e.close());
    return e;
  };

  it('20 seeded files: no per-torrent announce at all; a download announces on its own, completes, and joins the batch', async () => {
    const t = new TrackerServer({ host: '127.0.0.1', port: 0, interval: 2 });
    await t.listen();
    stops.push(() => t.close());
    const seeder = engineFor(t.announceUrl);
    await seeder.listen();
    const files: string[] = [];
    for (let i = 0; i < 20; i++) {
      files.push(join(tmp.dir, `f-${i}.bin`));
      await writeRandomFile(files[i], 50_000 + i);
    }
    const sessions: TorrentSession[] = [];
    for (const f of files) sessions.push(await seeder.seed(f, { catalogPath: `share/${f.slice(tmp.dir.length + 1)}` }));
    const seeded = () => sessions.every((s) => t.swarms.get(s.infoHashHex)?.seeders === 1);
    await waitFor('all 20 seeded on the tracker', seeded, 15_000, 50);
    assert.equal(t.catalog.size, 20);
    assert.equal(t.requests.announce, 0, 'no per-torrent announce from a seeder');
    assert.equal(t.requests.publish, 0, 'no single publish either');
    // files register as they are hashed: a few newcomer batches (at most one a second), a few batch publishes
    assert.ok(t.requests.seeds <= 8 && t.requests.publishBatch <= 4, JSON.stringify(t.requests));

    const leecher = engineFor(t.announceUrl);
    await leecher.listen();
    const meta = await fetchMetainfo(t.announceUrl, sessions[7].infoHashHex);
    const out = join(tmp.dir, 'out');
    await fsp.mkdir(out);
    const s = await leecher.download(meta, out);
    const path = await done(s);
    assert.equal(await sha256File(path), await sha256File(files[7]));
    const swarm = () => t.swarms.get(meta.infoHashHex)!;
    await waitFor('the finished download counted and seeding', () => (swarm().seeders === 2 && swarm().completed === 1) || undefined, 10_000, 50);
    assert.equal(swarm().leechers, 0);
    // from now on the leecher's torrent goes in its batch: no more per-torrent announces
    await sleep(300);
    const announces = t.requests.announce;
    assert.ok(announces >= 1, 'the download announced on its own');
    const seedsBefore = t.requests.seeds;
    await sleep(4500);
    assert.equal(t.requests.announce, announces, 'no per-torrent announce after completion');
    // two engines, 21 seeding sessions, interval 2 s: about one batch per engine per interval
    const batches = t.requests.seeds - seedsBefore;
    assert.ok(batches >= 3 && batches <= 6, `${batches} seeds announces in 4.5 s`);
    assert.equal(swarm().seeders, 2, 'both still seeding after two intervals');
  });

  it('opentracker: the seeder falls back to per-torrent announces and a leecher finds it', async () => {
    requireClient('opentracker');
    const file = join(tmp.dir, 'ot.bin');
    await writeRandomFile(file, 300_000);
    const otDir = join(tmp.dir, 'ot');
    await fsp.mkdir(otDir);
    const port = await freePort();
    const announce = `http://127.0.0.1:${port}/announce`;
    const meta = await createTorrent(file, { announce, private: true });
    const ot = await startOpentracker({ dir: otDir, port, infoHashes: [meta.infoHashHex] });
    stops.push(() => ot.stop());
    const seeder = engineFor(announce);
    await seeder.listen();
    const session = await seeder.seed(file, { meta, catalogPath: 'ot.bin' });
    // the batch finds no route within about a second: the seeder then announces on its own
    await waitFor('the seeder on opentracker', async () => (await scrapeComplete(announce, meta.infoHash)) === 1 || undefined, 10_000, 200);
    const leecher = engineFor(announce);
    await leecher.listen();
    await fsp.mkdir(join(tmp.dir, 'out'));
    const s = await leecher.download(session.meta, join(tmp.dir, 'out'));
    const path = await done(s, 45_000);
    assert.equal(await sha256File(path), await sha256File(file));
  });
});
