// Updates move only what changed: an older file at the target gives every piece that still matches,
// the rest is fetched, and the old file is replaced atomically once the new one is verified —
// unless the user changed it meanwhile, then theirs stays and the new one goes beside it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTorrent, type Metainfo } from '../../../../src/core/metainfo';
import { pieceSize } from '../../../../src/core/pieces';
import { Hasher } from '../../../../src/core/storage/hasher';
import { fileSource, openLocalCopy, reusePieces } from '../../../../src/core/storage/localCopy';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { ExistingFileError } from '../../../../src/core/storage/placement';
import { PathError } from '../../../../src/core/storage/safePath';
import { Bitfield } from '../../../../src/core/bitfield';

const PL = 16 * 1024;
const PIECES = 40;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('PieceStore: update from an older local copy', () => {
  const hasher = new Hasher();
  let base: string;
  let dl: string;
  let target: string;
  const stores: PieceStore[] = [];
  /** the new version's bytes and torrent */
  const version = async (data: Buffer): Promise<Metainfo> => {
    const src = join(base, `src-${randomBytes(4).toString('hex')}.bin`);
    await fsp.writeFile(src, data);
    return { ...(await createTorrent(src, { pieceLength: PL })), name: 'model.bin' };
  };
  const open = async (meta: Metainfo, relPath?: string) =>
    stores[stores.push(await PieceStore.open({ dir: dl, meta, relPath, onExisting: 'update', hasher })) - 1];
  /** what peers would send: every missing piece, counted */
  const fetchRest = async (store: PieceStore, meta: Metainfo, data: Buffer) => {
    let fetched = 0;
    for (let i = 0; i < meta.pieceCount; i++) {
      if (store.have.has(i)) continue;
      fetched += pieceSize(meta, i);
      assert.ok(await store.putPiece(i, Buffer.from(data.subarray(i * PL, i * PL + pieceSize(meta, i)))));
    }
    return fetched;
  };

  before(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-update-')));
  });
  beforeEach(async () => {
    dl = await fsp.mkdtemp(join(base, 'dl-'));
    target = join(dl, 'model.bin');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await fsp.rm(dl, { recursive: true, force: true });
  });
  after(async () => {
    await hasher.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('an in-place change: only the changed pieces are fetched, then the new file replaces the old at the same path', async () => {
    const old = randomBytes(PIECES * PL + 999);
    const now = Buffer.from(old);
    now.fill(7, 10 * PL + 5, 10 * PL + 300); // one piece changed
    now[30 * PL] ^= 0xff; // and one byte of another
    const meta = await version(now);
    await fsp.writeFile(target, old);
    const oldIno = (await fsp.stat(target)).ino;
    const store = await open(meta);
    assert.equal(store.finalPath, target);
    assert.equal(store.have.count, meta.pieceCount - 2);
    assert.ok(!store.have.has(10) && !store.have.has(30));
    assert.equal(store.reusedBytes, now.length - 2 * PL);
    assert.deepEqual(await fsp.readFile(target), old, 'the old file stays as it is until the new one is complete');
    assert.equal(await fetchRest(store, meta, now), 2 * PL);
    assert.equal(await store.finish(), target);
    assert.equal(sha256(await fsp.readFile(target)), sha256(now));
    assert.notEqual((await fsp.stat(target)).ino, oldIno, 'replaced by a rename, not rewritten in place');
    assert.deepEqual(await fsp.readdir(dl), ['model.bin']);
    assert.equal(store.reusedBytes, now.length - 2 * PL);
  });

  it('a longer new version reuses the pieces the old file holds whole and fetches the rest', async () => {
    const old = randomBytes(20 * PL + 100);
    const now = Buffer.concat([old, randomBytes(10 * PL)]);
    const meta = await version(now);
    await fsp.writeFile(target, old);
    const store = await open(meta);
    assert.equal(store.reusedBytes, 20 * PL); // piece 20 holds 100 old bytes and new ones
    assert.equal(await fetchRest(store, meta, now), now.length - 20 * PL);
    await store.finish();
    assert.equal(sha256(await fsp.readFile(target)), sha256(now));
  });

  it('a shorter new version whose every piece is in the old file is complete at once, without a byte from peers', async () => {
    const old = randomBytes(30 * PL);
    const now = old.subarray(0, 12 * PL + 777);
    const meta = await version(now);
    await fsp.writeFile(target, old);
    const store = await open(meta);
    assert.ok(store.complete);
    assert.equal(store.reusedBytes, now.length);
    assert.equal(store.finalPath, target);
    assert.equal(sha256(await fsp.readFile(target)), sha256(now));
    assert.deepEqual(await fsp.readdir(dl), ['model.bin']);
  });

  it('the same content already there is "already have": nothing copied, the file untouched', async () => {
    const data = randomBytes(8 * PL + 5);
    const meta = await version(data);
    await fsp.writeFile(target, data);
    const before = await fsp.stat(target);
    const store = await open(meta);
    assert.ok(store.complete);
    assert.equal(store.reusedBytes, 0);
    assert.deepEqual(await fsp.readdir(dl), ['model.bin']);
    assert.equal((await fsp.stat(target)).ino, before.ino);
  });

  it('the user changes the old file during the download: theirs stays, the new one goes beside it, with a warning', async () => {
    const old = randomBytes(16 * PL);
    const now = Buffer.from(old);
    now[5 * PL] ^= 1;
    const meta = await version(now);
    await fsp.writeFile(target, old);
    const store = await open(meta);
    const warnings: string[] = [];
    store.whenWarned((m) => warnings.push(m));
    await fetchRest(store, meta, now);
    await fsp.appendFile(target, 'my edit');
    const final = await store.finish();
    assert.equal(final, join(dl, 'model (1).bin'));
    assert.deepEqual(await fsp.readFile(target), Buffer.concat([old, Buffer.from('my edit')]));
    assert.equal(sha256(await fsp.readFile(final)), sha256(now));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /changed while its update was downloading.*model \(1\)\.bin/);
  });

  it('the old file in use (Windows refuses the rename): it stays, the new one goes beside it', async () => {
    const old = randomBytes(4 * PL);
    const now = Buffer.concat([old.subarray(0, 2 * PL), randomBytes(2 * PL)]);
    const meta = await version(now);
    await fsp.writeFile(target, old);
    const store = await open(meta);
    await fetchRest(store, meta, now);
    const rename = fsp.rename;
    fsp.rename = async () => {
      throw Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY' });
    };
    try {
      assert.equal(await store.finish(), join(dl, 'model (1).bin'));
    } finally {
      fsp.rename = rename;
    }
    assert.deepEqual(await fsp.readFile(target), old);
    assert.equal(sha256(await fsp.readFile(join(dl, 'model (1).bin'))), sha256(now));
  });

  it('the old file removed meanwhile: the new one takes its place', async () => {
    const old = randomBytes(6 * PL);
    const now = Buffer.concat([old.subarray(0, 3 * PL), randomBytes(3 * PL)]);
    const meta = await version(now);
    await fsp.writeFile(target, old);
    const store = await open(meta);
    await fetchRest(store, meta, now);
    await fsp.rm(target);
    assert.equal(await store.finish(), target);
    assert.equal(sha256(await fsp.readFile(target)), sha256(now));
  });

  it('a restart mid-update keeps the copied pieces (and the count of reused bytes) from the resume data', async () => {
    const old = randomBytes(PIECES * PL);
    const now = Buffer.from(old);
    for (const i of [3, 17, 29]) now[i * PL + 100] ^= 1;
    const meta = await version(now);
    await fsp.writeFile(target, old);
    const first = await open(meta);
    assert.ok(await first.putPiece(3, Buffer.from(now.subarray(3 * PL, 4 * PL))));
    await first.close();
    await fsp.rm(target); // even with the old copy gone, what was copied is kept
    const second = await open(meta);
    assert.equal(second.have.count, meta.pieceCount - 2);
    assert.equal(second.reusedBytes, (PIECES - 3) * PL);
    assert.equal(await fetchRest(second, meta, now), 2 * PL);
    assert.equal(await second.finish(), target);
    assert.equal(sha256(await fsp.readFile(target)), sha256(now));
  });

  it('after a crash (resume data older than the partial file) the recheck finds the copied pieces; the reused count survives', async () => {
    const old = randomBytes(PIECES * PL);
    const now = Buffer.from(old);
    now[7 * PL] ^= 1;
    const meta = await version(now);
    await fsp.writeFile(target, old);
    await (await open(meta)).close();
    const part = join(dl, '.sta', `${meta.infoHashHex}.part`);
    const later = new Date(Date.now() + 5000);
    await fsp.utimes(part, later, later); // as if written after the last save, then killed
    await fsp.rm(target);
    const store = await open(meta);
    assert.equal(store.have.count, meta.pieceCount - 1);
    assert.equal(store.reusedBytes, (PIECES - 1) * PL);
  });

  it('under a catalog path in the user\'s own workspace (data/train/model.bin)', async () => {
    const old = randomBytes(10 * PL);
    const now = Buffer.from(old);
    now[PL] ^= 1;
    const meta = await version(now);
    await fsp.mkdir(join(dl, 'data', 'train'), { recursive: true });
    await fsp.writeFile(join(dl, 'data', 'train', 'model.bin'), old);
    const store = await open(meta, 'data/train/model.bin');
    assert.equal(store.reusedBytes, 9 * PL);
    await fetchRest(store, meta, now);
    assert.equal(await store.finish(), join(dl, 'data', 'train', 'model.bin'));
    assert.equal(sha256(await fsp.readFile(join(dl, 'data', 'train', 'model.bin'))), sha256(now));
  });

  it('a folder or a symlink at the path is not a file to update: refused, nothing written', async () => {
    const meta = await version(randomBytes(2 * PL));
    await fsp.mkdir(target);
    await assert.rejects(open(meta), ExistingFileError);
    await fsp.rmdir(target);
    const outside = join(base, 'outside.bin');
    await fsp.writeFile(outside, 'theirs');
    await fsp.symlink(outside, target);
    await assert.rejects(open(meta), PathError);
    assert.deepEqual(await fsp.readdir(dl), ['model.bin']);
    assert.equal(await fsp.readFile(outside, 'utf8'), 'theirs');
  });

  it('reusePieces stops at a read error (the old file shrank) and keeps what it copied', async () => {
    const data = randomBytes(8 * PL);
    const meta = await version(data);
    await fsp.writeFile(target, data.subarray(0, 3 * PL));
    const copy = await openLocalCopy(target);
    copy.identity.size = data.length; // as it was checked, before it shrank
    const have = new Bitfield(meta.pieceCount);
    const errors: Error[] = [];
    try {
      const opts = { lanes: 1, onReused: () => undefined, onReadError: (e: Error) => errors.push(e) };
      const reused = await reusePieces(fileSource(copy, meta), meta, have, async (i) => (have.set(i), true), opts);
      assert.equal(reused, 3 * PL);
      assert.equal(have.count, 3);
      assert.equal(errors.length, 1);
    } finally {
      await copy.handle.close();
    }
  });
});
