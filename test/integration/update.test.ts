// Updates move only what changed (issue 9, item 3): `sta get --if-exists update` over an older copy
// reuses every piece that still matches, fetches only the changed ones, and replaces the old file
// once the new one is verified; a restart keeps the copied pieces; a copy the user edits meanwhile stays.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { listTree, makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { httpGet } from '../helpers/http';
import { run, waitForExit } from '../helpers/processes';
import { CLI, JsonEvent, runGet, startSeeder, StaProcess, startSta, startTrackerChild, TrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

const MiB = 1024 * 1024;
const LENGTH = 48 * MiB + 4321;
const CHANGED_AT = 20 * MiB + 12_345; // 1 MiB rewritten in place, not on a piece boundary
/** 1 MiB spans at most 1 MiB / piece + 1 pieces; the bound leaves room for two more */
const MAX_FROM_PEERS = 2 * MiB;
const REL = 'data/model.bin';

const fromPeers = (e: JsonEvent) => Object.values(e.fromPeers as Record<string, number>).reduce((a, b) => a + b, 0);

describe('update: only what changed moves', function () {
  this.timeout(180_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let tracker: TrackerChild;
  let seeder: StaProcess;
  let oldFile: string;
  let oldSha: string;
  let newSha: string;
  const procs: StaProcess[] = [];

  before(async () => {
    tmp = await makeTempDir('sta-update-');
    oldFile = join(tmp.dir, 'old.bin');
    await writeRandomFile(oldFile, LENGTH);
    const ws = join(tmp.dir, 'ws');
    await fsp.mkdir(join(ws, 'data'), { recursive: true });
    await fsp.copyFile(oldFile, join(ws, REL));
    const fh = await fsp.open(join(ws, REL), 'r+');
    await fh.write(randomBytes(MiB), 0, MiB, CHANGED_AT);
    await fh.close();
    [oldSha, newSha] = [await sha256File(oldFile), await sha256File(join(ws, REL))];
    tracker = await startTrackerChild(['--interval', '1']);
    // slow enough that a test can act while the changed pieces arrive
    seeder = await startSeeder([ws], tracker.announce, ['--max-upload-rate', '256K'], { XDG_CACHE_HOME: join(tmp.dir, 'cache') });
    await waitFor('the new version in the catalog', async () => {
      const files = JSON.parse((await httpGet(tracker.catalog)).body.toString()).files as { path: string }[];
      return files.some((f) => f.path === REL) || undefined;
    }, 60_000, 200);
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
  });
  after(async () => {
    await seeder?.stop();
    await tracker?.stop();
    await tmp?.cleanup();
  });

  /** a download folder holding the old version at the catalog path, as a previous download left it */
  const folderWithOld = async (name: string) => {
    const out = join(tmp.dir, name);
    await fsp.mkdir(join(out, 'data'), { recursive: true });
    await fsp.copyFile(oldFile, join(out, REL));
    return out;
  };
  const args = (out: string, ...extra: string[]) => [REL, '--tracker', tracker.announce, '--out', out, ...extra];
  /** a progress event of a download that has reused the old copy and is fetching the rest */
  const fetching = (e: JsonEvent) => e.type === 'progress' && e.reusedBytes > 0 && e.verifiedBytes > e.reusedBytes && e.verifiedBytes < e.length;

  it('refuse (the default) leaves the old file; update replaces it, fetching ≤ 2 MiB of 48 MiB', async () => {
    const out = await folderWithOld('out-update');
    const refused = await runGet(args(out));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already exists.*--if-exists update replaces it/);

    const r = await runGet(args(out, '--if-exists', 'update'), 120_000);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const done = r.events.find((e) => e.type === 'complete')!;
    assert.equal(done.path, join(out, 'data', 'model.bin'));
    assert.ok(fromPeers(done) <= MAX_FROM_PEERS, `${fromPeers(done)} bytes came from peers`);
    assert.ok(fromPeers(done) >= MiB - 64 * 1024, `${fromPeers(done)} bytes from peers cannot hold the changed MiB`);
    assert.equal(done.reusedBytes + fromPeers(done), LENGTH);
    assert.equal(await sha256File(join(out, REL)), newSha);
    assert.deepEqual(await listTree(out), ['data', 'data/model.bin']);
  });

  it('a restart (kill -9) mid-update keeps the copied pieces: the second run fetches only what is left', async () => {
    const out = await folderWithOld('out-resume');
    const first = startSta(['get', ...args(out, '--if-exists', 'update', '--host', '127.0.0.1')]);
    procs.push(first);
    await first.waitEvent(fetching, 'the changed pieces arriving', 60_000);
    process.kill(first.child.pid!, 'SIGKILL');
    await waitForExit(first.child, 5000);
    assert.equal(await sha256File(join(out, REL)), oldSha, 'the old file is untouched until the new one is complete');

    const second = await runGet(args(out, '--if-exists', 'update'), 120_000);
    assert.equal(second.code, 0, second.stderr.slice(-2000));
    const done = second.events.find((e) => e.type === 'complete')!;
    assert.ok(fromPeers(done) < MiB, `${fromPeers(done)} bytes fetched again after the restart`);
    assert.ok(done.reusedBytes >= LENGTH - MAX_FROM_PEERS, `only ${done.reusedBytes} bytes counted as reused`);
    assert.equal(await sha256File(join(out, REL)), newSha);
    assert.deepEqual(await listTree(out), ['data', 'data/model.bin']);
  });

  it('the user edits the old file during the update: theirs stays, the new one lands beside it, with a warning', async () => {
    const out = await folderWithOld('out-edited');
    const get = startSta(['get', ...args(out, '--if-exists', 'update', '--host', '127.0.0.1')]);
    procs.push(get);
    await get.waitEvent(fetching, 'the changed pieces arriving', 60_000);
    await fsp.appendFile(join(out, REL), 'my own edit');
    assert.equal(await waitForExit(get.child, 120_000), 0, get.stderr().slice(-2000));
    const done = get.events.find((e) => e.type === 'complete')!;
    assert.equal(done.path, join(out, 'data', 'model (1).bin'));
    assert.ok(get.events.some((e) => e.type === 'warning' && /changed while its update was downloading/.test(e.message)));
    assert.equal(await sha256File(join(out, 'data', 'model (1).bin')), newSha);
    assert.equal((await fsp.stat(join(out, REL))).size, LENGTH + 'my own edit'.length);
    assert.deepEqual(await listTree(out), ['data', 'data/model (1).bin', 'data/model.bin']);
  });

  it('the line a person reads says how much was reused', async () => {
    const out = await folderWithOld('out-human');
    const r = await run(process.execPath, [CLI, 'get', ...args(out, '--if-exists', 'update', '--host', '127.0.0.1')], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const line = /model\.bin: verified, 48\.0 MiB in [\d.]+ s \(([\d.]+) MiB reused from the local copy, ([\d.]+ [KM]iB) from peers\) → /.exec(r.stderr);
    assert.ok(line, r.stderr.slice(-2000));
    assert.ok(Number(line[1]) >= 46 && Number(line[1]) <= 48, line[0]);
  });
});
