// Paths kept (issue 10, item 1): a file fetched from the catalog lands at its catalog path under the
// download folder — a/config.json and b/config.json side by side — whatever the target (catalog path,
// info-hash, magnet, .torrent); a hostile catalog path, a symlinked folder or a file in the way is a
// clear refusal with nothing written outside the folder.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import { createTorrent, magnetUri, parseTorrent, type Metainfo } from '../../src/core/metainfo';
import { listTree, makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { httpGet } from '../helpers/http';
import { waitForPortFree } from '../helpers/ports';
import { runGet, startSeeder, StaProcess, startSta, startTrackerChild, TrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

describe('paths kept: a download lands at its catalog path', function () {
  this.timeout(120_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let tracker: TrackerChild;
  let seeder: StaProcess;
  let ws: string;
  let infoHashOf: Map<string, string>;
  const FILES = ['a/config.json', 'b/config.json', 'data/train/x.bin'];

  before(async () => {
    tmp = await makeTempDir('sta-paths-');
    tracker = await startTrackerChild(['--interval', '1']);
    ws = join(tmp.dir, 'ws');
    for (const [i, f] of FILES.entries()) {
      await fsp.mkdir(join(ws, f, '..'), { recursive: true });
      await writeRandomFile(join(ws, f), 300_000 + i * 77_777);
    }
    seeder = await startSeeder([ws], tracker.announce, [], { XDG_CACHE_HOME: join(tmp.dir, 'cache') });
    const listed = await waitFor('all three files in the catalog', async () => {
      const files = JSON.parse((await httpGet(tracker.catalog)).body.toString()).files as { path: string; infoHash: string }[];
      return files.length === FILES.length ? files : undefined;
    }, 30_000, 200);
    infoHashOf = new Map(listed!.map((f) => [f.path, f.infoHash]));
  });
  after(async () => {
    await seeder?.stop();
    await tracker?.stop();
    await tmp?.cleanup();
  });

  const get = (target: string, out: string, ...extra: string[]) => runGet([target, '--tracker', tracker.announce, '--out', out, ...extra]);

  it('a/config.json and b/config.json land side by side, data/train/x.bin at its path; no "config (1).json"', async () => {
    const out = join(tmp.dir, 'out-catalog');
    for (const f of FILES) {
      const r = await get(f, out);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const done = r.events.find((e) => e.type === 'complete')!;
      assert.equal(done.path, join(out, ...f.split('/')));
      assert.equal(r.events.find((e) => e.type === 'start')!.relPath, f);
    }
    assert.deepEqual(await listTree(out), ['a', 'a/config.json', 'b', 'b/config.json', 'data', 'data/train', 'data/train/x.bin']);
    for (const f of FILES) assert.equal(await sha256File(join(out, f)), await sha256File(join(ws, f)), f);
  });

  it('an info-hash, a magnet link or a .torrent the catalog knows lands at the catalog path too', async () => {
    const hash = infoHashOf.get('b/config.json')!;
    const torrentBytes = (await httpGet(`${tracker.catalog}/${hash}.torrent`)).body;
    const torrentFile = join(tmp.dir, 'b-config.torrent');
    await fsp.writeFile(torrentFile, torrentBytes);
    const magnet = magnetUri(parseTorrent(torrentBytes));
    for (const [i, target] of [hash, magnet, torrentFile].entries()) {
      const out = join(tmp.dir, `out-target-${i}`);
      const r = await get(target, out);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      assert.deepEqual(await listTree(out), ['b', 'b/config.json'], target);
      assert.equal(await sha256File(join(out, 'b', 'config.json')), await sha256File(join(ws, 'b', 'config.json')));
    }
  });

  it('a .torrent the catalog does not list lands at DIR/<name>', async () => {
    const own = join(tmp.dir, 'elsewhere', 'solo.bin');
    await fsp.mkdir(join(own, '..'), { recursive: true });
    await writeRandomFile(own, 100_000);
    const meta = await createTorrent(own, { announce: tracker.announce });
    const torrentFile = join(tmp.dir, 'solo.torrent');
    await fsp.writeFile(torrentFile, meta.torrent);
    // seeded without a catalog path: announced, never published
    const engine = new Engine({ host: '127.0.0.1', trackers: [tracker.announce] });
    try {
      await engine.listen();
      await engine.seed(own, { meta, verify: true });
      assert.equal((await httpGet(`${tracker.catalog}/${meta.infoHashHex}`)).status, 404);
      const out = join(tmp.dir, 'out-solo');
      const r = await runGet([torrentFile, '--out', out]);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      assert.deepEqual(await listTree(out), ['solo.bin']);
      assert.equal(await sha256File(join(out, 'solo.bin')), await sha256File(own));
    } finally {
      await engine.close();
    }
  });

  it('a finished download is republished under its catalog path (a restarted tracker learns it from the downloader)', async () => {
    const t = await startTrackerChild(['--interval', '1']);
    let own: StaProcess | undefined;
    let leecher: StaProcess | undefined;
    try {
      own = await startSeeder([ws], t.announce, [], { XDG_CACHE_HOME: join(tmp.dir, 'cache3') });
      const paths = async (base: string) => JSON.parse((await httpGet(`${base}/catalog`)).body.toString()).files.map((f: { path: string }) => f.path);
      await waitFor('the catalog', async () => (await paths(t.base)).includes('data/train/x.bin') || undefined, 30_000, 200);
      const out = join(tmp.dir, 'out-republish');
      leecher = startSta(['get', 'data/train/x.bin', '--tracker', t.announce, '--out', out, '--host', '127.0.0.1', '--seed']);
      await leecher.waitEvent((e) => e.type === 'complete', 'the download', 60_000);
      await own.stop(); // only the downloader holds the file now
      const port = t.port;
      await t.stop();
      await waitForPortFree(port);
      const again = await startTrackerChild(['--interval', '1', '--port', String(port)]);
      try {
        await waitFor('the downloader to republish', async () => (await paths(again.base)).includes('data/train/x.bin') || undefined, 30_000, 200);
        assert.deepEqual(await paths(again.base), ['data/train/x.bin']);
      } finally {
        await again.stop();
      }
    } finally {
      await leecher?.stop();
      await own?.stop();
      await t.stop();
    }
  });

  it('a symlinked folder in DIR pointing outside, or a file where a folder is needed: refused, nothing written', async () => {
    const out = join(tmp.dir, 'out-hostile-fs');
    const outside = join(tmp.dir, 'outside');
    await fsp.mkdir(out);
    await fsp.mkdir(outside);
    await fsp.symlink(outside, join(out, 'a'));
    const viaLink = await get('a/config.json', out);
    assert.equal(viaLink.code, 1);
    assert.match(viaLink.stderr, /symbolic link/);
    await fsp.writeFile(join(out, 'b'), 'a file named b');
    const blocked = await get('b/config.json', out, '--if-exists', 'suffix');
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /is not a folder/);
    assert.deepEqual(await listTree(out), ['a', 'b']);
    assert.deepEqual(await fsp.readdir(outside), []);
    assert.equal(await fsp.readFile(join(out, 'b'), 'utf8'), 'a file named b');
  });

  describe('a hostile catalog', () => {
    let fake: Server;
    let fakeUrl: string;
    let meta: Metainfo;
    let hostilePath = '';

    before(async () => {
      const src = join(tmp.dir, 'hostile-src', 'config.json');
      await fsp.mkdir(join(src, '..'), { recursive: true });
      await writeRandomFile(src, 50_000);
      fake = createServer((req, res) => {
        const entry = { name: 'config.json', path: hostilePath, length: meta.length, infoHash: meta.infoHashHex };
        const routes: Record<string, string | Buffer> = {
          '/catalog': JSON.stringify({ files: [entry] }),
          [`/catalog/${meta.infoHashHex}`]: JSON.stringify(entry),
          [`/catalog/${meta.infoHashHex}.torrent`]: meta.torrent,
        };
        const body = routes[req.url ?? ''];
        res.statusCode = body === undefined ? 404 : 200;
        res.end(body ?? '{"error":"no such route"}');
      });
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
      fakeUrl = `http://127.0.0.1:${(fake.address() as { port: number }).port}/announce`;
      meta = await createTorrent(src, { announce: fakeUrl });
    });
    after(() => new Promise<void>((r) => fake.close(() => r())));

    const hostile = ['../escape/config.json', 'a/../../escape/config.json', '/tmp/sta-abs-escape/config.json', 'a\u0000b/config.json', '.sta/config.json'];
    for (const path of hostile) {
      it(`refuses the catalog path ${JSON.stringify(path)}, by name and by info-hash, writing nothing`, async () => {
        hostilePath = path;
        const base = await fsp.mkdtemp(join(tmp.dir, 'hostile-'));
        const out = join(base, 'deep', 'out');
        for (const target of ['config.json', meta.infoHashHex]) {
          const r = await runGet([target, '--tracker', fakeUrl, '--out', out], 30_000);
          assert.equal(r.code, 1, `${target} via ${JSON.stringify(path)} was accepted`);
          assert.match(r.stderr, /unsafe file name .*(directory|absolute|NUL|STA's own folder|never writes)/);
        }
        assert.deepEqual(await listTree(base), ['deep', 'deep/out']);
        assert.ok(!(await fsp.stat('/tmp/sta-abs-escape').catch(() => undefined)));
      });
    }
  });
});
