// A workspace seeds thousands of files and nobody asks for most of them: an idle seed holds no
// timer (no wake-ups, no CPU), a peer wakes it, and it rests again once the peer has left.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../../src/core/engine';
import { createTorrent } from '../../../../src/core/metainfo';
import { makeTempDir, sha256File, writeRandomFile } from '../../../helpers/files';
import { waitFor } from '../../../helpers/wait';

const SEEDS = 300;

/** Timers alive in this process (Node's own count of its active handles). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('an idle seed', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const engines: Engine[] = [];
  beforeEach(async () => (tmp = await makeTempDir('sta-idle-seed-')));
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await tmp.cleanup();
  });

  it(`${SEEDS} seeds add no timer; a leecher wakes the one it fetches (bytes intact), which rests again after it leaves`, async () => {
    const src = join(tmp.dir, 'src');
    await fsp.mkdir(src);
    const seeder = new Engine({ host: '127.0.0.1' });
    engines.push(seeder);
    await seeder.listen();
    const before = timers();
    const sessions = [];
    for (let i = 0; i < SEEDS; i++) {
      const path = join(src, `f${i}.bin`);
      await writeRandomFile(path, 1000 + i * 37);
      sessions.push(await seeder.seed(path));
    }
    assert.ok(sessions.every((s) => s.state === 'seeding'));
    assert.equal(sessions.filter((s) => s.busy).length, 0, 'no seed runs its chores');
    assert.ok(timers() - before <= 2, `${timers() - before} more timers for ${SEEDS} seeds`);

    const wanted = sessions[123];
    const leecher = new Engine({ host: '127.0.0.1' });
    engines.push(leecher);
    await leecher.listen();
    const out = join(tmp.dir, 'out');
    await fsp.mkdir(out);
    const meta = await createTorrent(join(src, 'f123.bin'));
    assert.equal(meta.infoHashHex, wanted.infoHashHex);
    const download = await leecher.download(meta, out);
    download.addCandidates([{ ip: '127.0.0.1', port: seeder.port }]);
    await waitFor('the peer wakes the seed', () => wanted.busy, 10_000, 10);
    await waitFor('the download', () => download.complete, 20_000, 50);
    assert.equal(await sha256File(join(out, 'f123.bin')), await sha256File(join(src, 'f123.bin')));
    assert.ok(wanted.progress().uploaded >= meta.length, 'the seed served the file');
    assert.equal(sessions.filter((s) => s.busy).length, 1, 'only the asked seed woke');
    // both complete: the connection closes, rates fall back to 0 over their 5 s window, then both rest
    await waitFor('the seed at rest again', () => !wanted.busy && !download.busy, 20_000, 100);
    assert.equal(wanted.state, 'seeding');
    assert.equal(sessions.filter((s) => s.busy).length, 0);
  });
});
