// A folder shared as one torrent, updated: `sta get NAME --if-exists update` over the older folder reuses
// every piece that still matches, fetches only the changed ones, and replaces the files in place once the
// new version is verified; a file the new version no longer has, and the user's own files, stay.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { listTree, makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { runGet, startSta, StaProcess, startTrackerChild, TrackerChild } from '../helpers/sta';

const MiB = 1024 * 1024;
/** version 1: path → size; pieces straddle files */
const V1: [string, number][] = [
  ['textures/wall.png', 5 * MiB + 17],
  ['textures/floor.png', 3 * MiB + 999],
  ['level.json', 40_000],
  ['old-notes.txt', 1234],
];

describe('update: a folder torrent, only what changed moves', function () {
  this.timeout(120_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let tracker: TrackerChild;
  let share: StaProcess | undefined;

  before(async () => {
    tmp = await makeTempDir('sta-folder-update-');
    tracker = await startTrackerChild(['--interval', '1']);
  });
  after(async () => {
    await share?.stop();
    await tracker?.stop();
    await tmp?.cleanup();
  });

  it('refuse (the default) leaves the older folder; update rewrites the changed files in place, fetching little', async () => {
    const src = join(tmp.dir, 'team', 'assets');
    for (const [p, size] of V1) {
      await fsp.mkdir(join(src, p, '..'), { recursive: true });
      await writeRandomFile(join(src, p), size);
    }
    // what this user downloaded before: version 1, plus a file of their own
    const out = join(tmp.dir, 'out');
    await fsp.cp(src, join(out, 'assets'), { recursive: true });
    await fsp.writeFile(join(out, 'assets', 'my-todo.md'), 'mine\n');
    // the teammate's version 2: 64 KiB rewritten inside wall.png, level.json grown, old-notes.txt gone, a new file
    const fh = await fsp.open(join(src, 'textures/wall.png'), 'r+');
    await fh.write(randomBytes(64 * 1024), 0, 64 * 1024, 2 * MiB + 5000);
    await fh.close();
    await fsp.appendFile(join(src, 'level.json'), randomBytes(3000));
    await fsp.rm(join(src, 'old-notes.txt'));
    await writeRandomFile(join(src, 'textures/sky.png'), 300_000);
    const floorBefore = await fsp.stat(join(out, 'assets', 'textures/floor.png'));
    share = startSta(['share', src, '--as-one', '--tracker', tracker.announce, '--host', '127.0.0.1']);
    await share.waitEvent((e) => e.type === 'sharing', 'version 2 shared', 30_000);
    const args = ['assets', '--tracker', tracker.announce, '--out', out, '--timeout', '40'];

    const refused = await runGet(args, 60_000);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already exists.*--if-exists update/);

    const r = await runGet([...args, '--if-exists', 'update'], 60_000);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const done = r.events.find((e) => e.type === 'complete')!;
    assert.equal(done.path, join(out, 'assets'));
    const fromPeers = Object.values(done.fromPeers as Record<string, number>).reduce((a, b) => a + b, 0);
    const length = (await Promise.all(['textures/wall.png', 'textures/floor.png', 'level.json', 'textures/sky.png'].map((p) => fsp.stat(join(src, p))))).reduce(
      (a, st) => a + st.size,
      0,
    );
    assert.equal(done.reusedBytes + fromPeers, length);
    console.log(`      update: ${done.reusedBytes} of ${length} bytes reused from the older folder, ${fromPeers} from peers`);
    // the new file, the grown one and the rewritten 64 KiB, each in at most a few pieces
    assert.ok(fromPeers <= 2 * MiB, `${fromPeers} of ${length} bytes came from peers`);
    for (const p of ['textures/wall.png', 'textures/floor.png', 'level.json', 'textures/sky.png']) {
      assert.equal(await sha256File(join(out, 'assets', p)), await sha256File(join(src, p)), p);
    }
    assert.equal(await fsp.readFile(join(out, 'assets', 'my-todo.md'), 'utf8'), 'mine\n');
    const floor = await fsp.stat(join(out, 'assets', 'textures/floor.png'));
    assert.deepEqual([floor.ino, floor.mtimeMs], [floorBefore.ino, floorBefore.mtimeMs], 'floor.png, unchanged, is not written again');
    assert.equal((await fsp.stat(join(out, 'assets', 'old-notes.txt'))).size, 1234, 'a file version 2 no longer has stays');
    assert.deepEqual(await listTree(out), [
      'assets',
      'assets/level.json',
      'assets/my-todo.md',
      'assets/old-notes.txt',
      'assets/textures',
      'assets/textures/floor.png',
      'assets/textures/sky.png',
      'assets/textures/wall.png',
    ]);
  });
});
