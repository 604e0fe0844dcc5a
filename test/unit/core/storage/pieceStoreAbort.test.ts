// Stopping while a partial file or a seed is being hashed: the check stops at once (long before it
// would have finished), the store does not open, and the partial data stays for the next run.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hasher, Sha1Result } from '../../../../src/core/storage/hasher';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { makeTorrent, type TorrentFixture } from './fixture';

const PIECES = 200;

/** A hasher that takes 30 ms per piece: a recheck of 200 pieces takes about two seconds. */
class SlowHasher extends Hasher {
  override async sha1(buf: Buffer): Promise<Sha1Result> {
    await new Promise((r) => setTimeout(r, 30));
    return super.sha1(buf);
  }
}

describe('PieceStore: stopping while hashing', () => {
  let base: string;
  let t: TorrentFixture;
  let hasher: SlowHasher;

  beforeEach(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-abort-')));
    t = await makeTorrent(base, 'big.bin', 16 * 1024 * PIECES);
    hasher = new SlowHasher();
  });
  afterEach(async () => {
    await hasher.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  /** Runs `open` with a signal aborted after 100 ms; resolves with the ms from the abort to the rejection. */
  async function abortAfter100ms(open: (signal: AbortSignal) => Promise<PieceStore>): Promise<number> {
    const ac = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = Date.now();
      ac.abort();
    }, 100);
    const outcome = await open(ac.signal).then(
      async (store) => (await store.close(), 'opened'),
      (e: Error) => e,
    );
    assert.ok(outcome instanceof Error, `the store ${outcome} after ${Date.now() - abortedAt} ms past the abort`);
    assert.equal(outcome.name, 'AbortError');
    return Date.now() - abortedAt;
  }

  it('a recheck of a partial file without resume data stops at once, not after the whole check; the partial file stays', async () => {
    const dl = join(base, 'dl');
    await fsp.mkdir(join(dl, '.sta'), { recursive: true });
    const part = join(dl, '.sta', `${t.meta.infoHashHex}.part`);
    await fsp.writeFile(part, t.data);
    const ms = await abortAfter100ms((signal) => PieceStore.open({ dir: dl, meta: t.meta, hasher, signal }));
    assert.ok(ms < 500, `stopped ${ms} ms after the abort (a whole check takes ~2 s)`);
    assert.deepEqual(await fsp.readFile(part), t.data, 'the partial data is kept for the next run');
  });

  it('verifying a file to seed stops at once, not after the whole check', async () => {
    const ms = await abortAfter100ms((signal) => PieceStore.openSeed(t.srcPath, t.meta, { hasher, signal }));
    assert.ok(ms < 500, `stopped ${ms} ms after the abort (a whole check takes ~2 s)`);
  });

  it('an already aborted signal opens nothing', async () => {
    const dl = join(base, 'dl2');
    await fsp.mkdir(dl);
    await assert.rejects(PieceStore.open({ dir: dl, meta: t.meta, hasher, signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.deepEqual(await fsp.readdir(dl), []);
  });
});
