// FileGuard's fstat after reads: reads done together share one, and a read done while an fstat
// is on its way waits for the next one, so a change made before it was done is never missed.
import assert from 'node:assert/strict';
import { FileGuard, StaleFileError } from '../../../../src/core/storage/fileGuard';

/** A file whose fstat answers when the test says, with the state it had when the fstat was issued. */
function fakeFile() {
  const state = { size: 100, mtimeMs: 1, ino: 7 };
  const pending: (() => void)[] = [];
  let stats = 0;
  return {
    state,
    get stats() {
      return stats;
    },
    /** answers the fstats issued so far */
    answer() {
      for (const f of pending.splice(0)) f();
    },
    handle: {
      stat() {
        stats++;
        const seen = { ...state };
        return new Promise<typeof seen>((resolve) => pending.push(() => resolve(seen)));
      },
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A few turns of the event loop, until `cond` holds (false if it never does). */
async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 10 && !cond(); i++) await tick();
  return cond();
}

describe('FileGuard', () => {
  it('eight reads done together are checked by at most two fstats, and all are served', async () => {
    const f = fakeFile();
    const guard = new FileGuard(f.handle, { size: 100, mtimeMs: 1 }, 'a.bin');
    const reads = Array.from({ length: 8 }, (_, i) => guard.read(async () => Buffer.from([i])));
    for (let i = 0; i < 10; i++) {
      await tick();
      f.answer();
    }
    const bufs = await Promise.all(reads);
    assert.deepEqual(bufs.map((b) => b[0]), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(f.stats >= 1 && f.stats <= 2, `${f.stats} fstats for 8 reads`);
  });

  it('a read done while an fstat is on its way waits for a later one, which sees a change made meanwhile', async () => {
    const f = fakeFile();
    const guard = new FileGuard(f.handle, { size: 100, mtimeMs: 1 }, 'a.bin');
    const first = guard.read(async () => Buffer.from('old'));
    assert.ok(await until(() => f.stats === 1), 'the first read is done and its fstat issued');
    // the file is written, then a second read returns (possibly new) bytes, before the first fstat answers
    f.state.mtimeMs = 2;
    const second = guard.read(async () => Buffer.from('new'));
    await tick();
    f.answer(); // the first fstat, issued before the write: unchanged
    assert.deepEqual(await first, Buffer.from('old'));
    assert.ok(await until(() => f.stats === 2), 'the second read got an fstat of its own');
    f.answer();
    await assert.rejects(second, StaleFileError);
    assert.equal(guard.stale, true);
    await assert.rejects(guard.read(async () => Buffer.from('x')), StaleFileError, 'nothing is served once stale');
  });
});
