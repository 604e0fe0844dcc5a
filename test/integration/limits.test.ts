// Bandwidth and seeding limits between real `sta` processes on loopback: --max-download-rate holds a
// download to its rate (a lower bound on its time: a broken limit fails it), and `sta get --seed
// --seed-ratio 1` seeds until a second leecher has taken the whole file from it, then exits 0 saying why.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { waitForExit } from '../helpers/processes';
import { runGet, startSeeder, StaProcess, startSta, startTrackerChild, TrackerChild } from '../helpers/sta';

const MiB = 1024 * 1024;

describe('limits: --max-download-rate, --seed-ratio', function () {
  this.timeout(120_000);
  let tracker: TrackerChild;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const procs: StaProcess[] = [];

  before(async () => {
    tmp = await makeTempDir('sta-limits-');
    tracker = await startTrackerChild(['--interval', '1']);
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
  });
  after(async () => {
    await tracker?.stop();
    await tmp?.cleanup();
  });

  /** a file of `size` random bytes in its own folder, shared by a `sta share` process */
  const shared = async (name: string, size: number) => {
    const src = join(tmp.dir, `src-${name}`);
    await fsp.mkdir(src);
    const file = join(src, name);
    await writeRandomFile(file, size);
    const seeder = await startSeeder([file], tracker.announce, [], { XDG_CACHE_HOME: join(tmp.dir, 'cache') });
    procs.push(seeder);
    return { file, seeder, infoHash: seeder.infoHashes[0], sha: await sha256File(file) };
  };

  it('sta get --max-download-rate 1M takes an 8 MiB file no faster than the limit allows, bytes intact', async () => {
    const { sha, infoHash } = await shared('limited.bin', 8 * MiB);
    const out = join(tmp.dir, 'out-limited');
    const started = Date.now();
    const got = await runGet([infoHash, '--tracker', tracker.announce, '--out', out, '--max-download-rate', '1M'], 90_000);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(got.code, 0, got.stderr.slice(-2000));
    assert.equal(await sha256File(join(out, 'limited.bin')), sha);
    // 8 MiB at 1 MiB/s is ~8 s less one burst (¼ s of the rate); an unlimited loopback download takes well under 1 s
    assert.ok(seconds >= 5, `8 MiB arrived in ${seconds.toFixed(1)} s with a 1 MiB/s limit`);
  });

  it('sta get --seed --seed-ratio 1 exits 0 once a second leecher has taken the whole file from it', async () => {
    const { sha, infoHash, seeder } = await shared('ratio.bin', 4 * MiB);
    const outB = join(tmp.dir, 'out-b');
    const b = startSta(['get', infoHash, '--tracker', tracker.announce, '--out', outB, '--seed', '--seed-ratio', '1', '--host', '127.0.0.1']);
    procs.push(b);
    await b.waitEvent((e) => e.type === 'complete', 'the first leecher complete', 60_000);
    await seeder.stop(); // from now on the first leecher is the only source
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(b.child.exitCode, null, 'still seeding: nobody has taken anything yet');
    const outC = join(tmp.dir, 'out-c');
    const c = await runGet([infoHash, '--tracker', tracker.announce, '--out', outC], 60_000);
    assert.equal(c.code, 0, c.stderr.slice(-2000));
    assert.equal(await sha256File(join(outC, 'ratio.bin')), sha);
    assert.equal(await waitForExit(b.child, 30_000), 0, b.stderr().slice(-2000));
    const seeded = b.events.find((e) => e.type === 'seeded');
    assert.ok(seeded, `a seeded event: ${JSON.stringify(b.events.slice(-5))}`);
    assert.equal(seeded.reason, 'ratio');
    assert.ok(seeded.ratio >= 1, `ratio ${seeded.ratio}`);
    assert.ok(seeded.uploaded >= 4 * MiB && typeof seeded.seconds === 'number', JSON.stringify(seeded));
    assert.equal(await sha256File(join(outB, 'ratio.bin')), sha, 'the file stays after seeding stops');
  });
});
