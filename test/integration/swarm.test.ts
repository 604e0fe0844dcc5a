// Multi-source download between real STA processes on loopback.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { httpGet } from '../helpers/http';
import { waitForPortFree } from '../helpers/ports';
import { runGet, startSeeder, StaProcess, startTrackerChild, TrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

describe('swarm: STA seeders → STA leecher', function () {
  this.timeout(120_000);
  let tracker: TrackerChild;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const seeders: StaProcess[] = [];

  before(async () => {
    tmp = await makeTempDir();
    tracker = await startTrackerChild(['--interval', '2']);
  });

  after(async () => {
    await Promise.all(seeders.map((s) => s.stop()));
    await tracker?.stop();
    await tmp?.cleanup();
  });

  it('pulls a 48 MiB file from 3 seeders at once, each contributing, and the bytes match', async () => {
    const src = join(tmp.dir, 'src');
    await fsp.mkdir(src);
    const file = join(src, 'dataset.bin');
    await writeRandomFile(file, 48 * 1024 * 1024 + 12345);
    const env = { XDG_CACHE_HOME: join(tmp.dir, 'cache') };
    // the upload limit keeps any one seeder from serving everything before the others connect
    for (let i = 0; i < 3; i++) seeders.push(await startSeeder([file], tracker.announce, ['--max-upload-rate', '12M'], env));
    const ids = seeders.map((s) => (s as StaProcess & { peerId: string }).peerId);
    const out = join(tmp.dir, 'out');
    const got = await runGet(['dataset.bin', '--tracker', tracker.announce, '--out', out]);
    assert.equal(got.code, 0, got.stderr.slice(-2000));
    assert.equal(await sha256File(join(out, 'dataset.bin')), await sha256File(file));
    const complete = got.events.find((e) => e.type === 'complete')!;
    for (const id of ids) {
      const bytes = complete.fromPeers[id] ?? 0;
      assert.ok(bytes > 1024 * 1024, `seeder ${id} contributed ${bytes} bytes: ${JSON.stringify(complete.fromPeers)}`);
    }
    // nothing but the file is left in the download folder
    assert.deepEqual(await fsp.readdir(out), ['dataset.bin']);
  });

  it('repopulates a restarted tracker\'s catalog from the seeders\' next announces, and downloads resume through it', async () => {
    const src = join(tmp.dir, 'src2');
    await fsp.mkdir(src);
    const file = join(src, 'restart.bin');
    await writeRandomFile(file, 3 * 1024 * 1024 + 5);
    const t = await startTrackerChild(['--interval', '1']);
    try {
      seeders.push(await startSeeder([file], t.announce, [], { XDG_CACHE_HOME: join(tmp.dir, 'cache') }));
      const listed = async (base: string) => JSON.parse((await httpGet(`${base}/catalog`)).body.toString()).files.map((f: { name: string }) => f.name);
      await waitFor('the file in the catalog', async () => (await listed(t.base)).includes('restart.bin') || undefined, 10_000);
      const port = t.port;
      await t.stop();
      await waitForPortFree(port);
      const again = await startTrackerChild(['--interval', '1', '--port', String(port)]);
      try {
        assert.equal(again.port, port);
        assert.deepEqual(await listed(again.base), [], 'a new tracker starts with an empty catalog');
        await waitFor('the seeder to republish', async () => (await listed(again.base)).includes('restart.bin') || undefined, 20_000, 200);
        const out = join(tmp.dir, 'out-restart');
        const got = await runGet(['restart.bin', '--tracker', again.announce, '--out', out]);
        assert.equal(got.code, 0, got.stderr.slice(-2000));
        assert.equal(await sha256File(join(out, 'restart.bin')), await sha256File(file));
      } finally {
        await again.stop();
      }
    } finally {
      await t.stop();
    }
  });
});
