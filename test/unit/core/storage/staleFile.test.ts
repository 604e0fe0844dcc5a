// Never a stale byte (issue 9, item 2): a complete file served in place whose size or mtime changed
// since it was hashed is no longer read for peers; the store says it is stale, once.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { makeTorrent, pieceOf, PL, type TorrentFixture } from './fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Overwrites `bytes.length` bytes at `at` in place (same size, new mtime). */
async function scribble(path: string, at: number, bytes: Buffer): Promise<void> {
  const fh = await fsp.open(path, 'r+');
  await fh.write(bytes, 0, bytes.length, at);
  await fh.close();
}

describe('PieceStore: a changed file is stale', () => {
  let base: string;
  let t: TorrentFixture;
  const stores: PieceStore[] = [];

  beforeEach(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-stale-')));
    t = await makeTorrent(base, 'data.bin', PL * 8 + 100);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await fsp.rm(base, { recursive: true, force: true });
  });

  /** Reads every block; each either equals the torrent's bytes or is refused. */
  async function readAll(store: PieceStore): Promise<{ served: number; refused: Error[] }> {
    let served = 0;
    const refused: Error[] = [];
    for (let i = 0; i < t.meta.pieceCount; i++) {
      const expected = pieceOf(t, i);
      try {
        const got = await store.readBlock(i, 0, expected.length);
        assert.ok(got.equals(expected), `piece ${i}: a byte that differs from the torrent's was served`);
        served++;
      } catch (e) {
        refused.push(e as Error);
      }
    }
    return { served, refused };
  }

  it('a seed modified in place (same size) serves no byte of the new content, says stale once', async () => {
    const store = await PieceStore.openSeed(t.srcPath, t.meta, { verify: false });
    stores.push(store);
    const heard: string[] = [];
    store.whenStale((reason) => heard.push(reason));
    assert.equal((await readAll(store)).served, t.meta.pieceCount);
    await sleep(5); // a different mtime even on coarse clocks
    await scribble(t.srcPath, PL * 3 + 7, Buffer.from('changed!'));
    const after = await readAll(store);
    assert.equal(after.served, 0, 'every read after the change is refused');
    assert.ok(after.refused.every((e) => e.name === 'StaleFileError'), after.refused.map((e) => e.message).join('; '));
    assert.equal(store.stale, true);
    assert.equal(heard.length, 1);
    assert.match(heard[0], /changed/);
  });

  it('a seed that grew is stale too', async () => {
    const store = await PieceStore.openSeed(t.srcPath, t.meta, { verify: false });
    stores.push(store);
    await fsp.appendFile(t.srcPath, 'more');
    assert.equal((await readAll(store)).served, 0);
    assert.equal(store.stale, true);
  });

  it('a seed whose file changed between hashing and its first read serves nothing: the first read is refused, stale once', async () => {
    const st = await fsp.stat(t.srcPath);
    await sleep(5);
    await scribble(t.srcPath, 0, Buffer.from('x'));
    // a repository file is opened only when a peer reads it (a workspace seeds thousands): the first read checks it
    const store = await PieceStore.openSeed(t.srcPath, t.meta, { verify: false, hashedAt: { size: st.size, mtimeMs: st.mtimeMs } });
    stores.push(store);
    const heard: string[] = [];
    store.whenStale((reason) => heard.push(reason));
    const { served, refused } = await readAll(store);
    assert.equal(served, 0);
    assert.ok(refused.every((e) => e.name === 'StaleFileError'));
    assert.equal(heard.length, 1);
  });

  it('a seed that is deleted is stale (not an I/O error per peer)', async () => {
    const st = await fsp.stat(t.srcPath);
    const store = await PieceStore.openSeed(t.srcPath, t.meta, { verify: false, hashedAt: { size: st.size, mtimeMs: st.mtimeMs } });
    stores.push(store);
    await fsp.rm(t.srcPath);
    await assert.rejects(store.readBlock(0, 0, 100), (e: Error) => e.name === 'StaleFileError' && /gone/.test(e.message));
    assert.equal(store.stale, true);
  });

  it('a finished download edited afterwards is stale', async () => {
    const dl = join(base, 'dl');
    await fsp.mkdir(dl);
    const store = await PieceStore.open({ dir: dl, meta: t.meta });
    stores.push(store);
    for (let i = 0; i < t.meta.pieceCount; i++) assert.equal(await store.putPiece(i, pieceOf(t, i)), true);
    const final = await store.finish();
    assert.equal((await readAll(store)).served, t.meta.pieceCount);
    await sleep(5);
    await scribble(final, 10, Buffer.from('edited'));
    assert.equal((await readAll(store)).served, 0);
    assert.equal(store.stale, true);
  });
});
