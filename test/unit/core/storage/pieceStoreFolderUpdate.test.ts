// A folder torrent's update: the older folder at the target lends every piece that still matches (read at
// the new layout), the rest is fetched, and the new files replace the older ones in place once all is
// verified — unless the folder changed meanwhile (then it stays and the new version goes beside it).
// Files the new version no longer has, and the user's own files, are left where they are.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createFolderTorrent } from '../../../../src/core/folderTorrent';
import { type Metainfo, pieceSize } from '../../../../src/core/metainfo';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { makeTempDir } from '../../../helpers/files';
import { PL } from './fixture';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** version 1: pieces cross every file boundary; an empty file and nested ones */
const V1: [string, number][] = [
  ['a.bin', PL + 100],
  ['empty', 0],
  ['sub/c.txt', 7],
  ['sub/deep/b.bin', 3 * PL - 50],
  ['z.bin', 2 * PL + 1],
];

describe('PieceStore: a folder torrent updates the older folder in place', () => {
  let base: string;
  let cleanup: () => Promise<void>;
  let src: string;
  let dl: string;
  const stores: PieceStore[] = [];
  const track = (s: PieceStore) => (stores.push(s), s);

  /** The folder at `src` as it is now: its torrent and its bytes in torrent order. */
  async function version(): Promise<{ meta: Metainfo; data: Buffer }> {
    const meta = await createFolderTorrent(src, { pieceLength: PL });
    const data = Buffer.concat(await Promise.all(meta.files.map((f) => fsp.readFile(join(src, f.path)))));
    return { meta, data };
  }
  const piece = (v: { meta: Metainfo; data: Buffer }, i: number) => Buffer.from(v.data.subarray(i * PL, i * PL + pieceSize(v.meta, i)));
  /** what peers would send: every missing piece, counted */
  async function fetchRest(store: PieceStore, v: { meta: Metainfo; data: Buffer }): Promise<number> {
    let fetched = 0;
    for (let i = 0; i < v.meta.pieceCount; i++) {
      if (store.have.has(i)) continue;
      fetched += pieceSize(v.meta, i);
      assert.equal(await store.putPiece(i, piece(v, i)), true);
    }
    return fetched;
  }
  async function assertFolderIs(folder: string, v: { meta: Metainfo }): Promise<void> {
    for (const f of v.meta.files) {
      assert.equal(sha256(await fsp.readFile(join(folder, f.path))), sha256(await fsp.readFile(join(src, f.path))), `${f.path} differs`);
    }
  }

  beforeEach(async () => {
    ({ dir: base, cleanup } = await makeTempDir('sta-folder-update-'));
    src = join(base, 'album');
    dl = join(base, 'dl');
    await fsp.mkdir(dl);
    for (const [p, size] of V1) {
      await fsp.mkdir(join(src, p, '..'), { recursive: true });
      await fsp.writeFile(join(src, p), randomBytes(size));
    }
    // version 1 downloaded as peers would give it
    const v1 = await version();
    const first = await PieceStore.open({ dir: dl, meta: v1.meta });
    await fetchRest(first, v1);
    await first.finish();
    await first.close();
    // a teammate's version 2: b.bin edited in place, z.bin grown, c.txt gone, new.txt new
    const b = await fsp.readFile(join(src, 'sub/deep/b.bin'));
    randomBytes(300).copy(b, PL + 10);
    await fsp.writeFile(join(src, 'sub/deep/b.bin'), b);
    await fsp.appendFile(join(src, 'z.bin'), randomBytes(PL - 1));
    await fsp.rm(join(src, 'sub/c.txt'));
    await fsp.writeFile(join(src, 'sub/new.txt'), 'new in version 2\n');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await cleanup();
  });

  it('reuses every piece that still matches, fetches the rest, and replaces the files in place; the rest of the folder stays', async () => {
    const v2 = await version();
    await fsp.writeFile(join(dl, 'album', 'notes.md'), 'mine\n');
    const [a, b] = await Promise.all(['a.bin', 'sub/deep/b.bin'].map((p) => fsp.stat(join(dl, 'album', p))));
    const store = track(await PieceStore.open({ dir: dl, meta: v2.meta, onExisting: 'update' }));
    const realDl = await fsp.realpath(dl);
    assert.equal(store.finalPath, join(realDl, 'album'));
    assert.ok(store.have.has(0), 'piece 0 (inside the unchanged a.bin) reused');
    const reused = store.reusedBytes;
    const fetched = await fetchRest(store, v2);
    assert.equal(reused + fetched, v2.meta.length);
    assert.ok(reused >= 2 * PL && fetched >= PL, `reused ${reused}, fetched ${fetched} of ${v2.meta.length}`);
    assert.equal(await store.finish(), join(realDl, 'album'));
    await assertFolderIs(join(dl, 'album'), v2);
    const [a2, b2] = await Promise.all(['a.bin', 'sub/deep/b.bin'].map((p) => fsp.stat(join(dl, 'album', p))));
    assert.deepEqual([a2.ino, a2.mtimeMs], [a.ino, a.mtimeMs], 'a.bin, unchanged, is not written again');
    assert.notEqual(b2.ino, b.ino, 'b.bin, changed, is a new file renamed over the older one');
    assert.equal(await fsp.readFile(join(dl, 'album', 'notes.md'), 'utf8'), 'mine\n', "the user's own file stays");
    assert.equal((await fsp.stat(join(dl, 'album', 'sub/c.txt'))).size, 7, 'a file version 2 no longer has is left where it was');
    assert.deepEqual((await fsp.readdir(dl)).sort(), ['album'], 'no partial file, scratch file or .sta left');
    // served from the updated files: a block across a.bin | empty | b.bin
    assert.ok((await store.readBlock(1, 50, 200)).equals(v2.data.subarray(PL + 50, PL + 250)));
  });

  it('an older file the user edits while the update downloads: the folder stays as it is, the new version goes beside it', async () => {
    const v2 = await version();
    const store = track(await PieceStore.open({ dir: dl, meta: v2.meta, onExisting: 'update' }));
    const warnings: string[] = [];
    store.whenWarned((m) => warnings.push(m));
    await fetchRest(store, v2);
    await fsp.writeFile(join(dl, 'album', 'a.bin'), 'my edit');
    const before = await fsp.readFile(join(dl, 'album', 'z.bin'));
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album (1)'));
    assert.equal(await fsp.readFile(join(dl, 'album', 'a.bin'), 'utf8'), 'my edit');
    assert.ok((await fsp.readFile(join(dl, 'album', 'z.bin'))).equals(before), 'no file of the older folder was replaced');
    assert.equal(await fsp.stat(join(dl, 'album', 'sub/new.txt')).catch(() => 'absent'), 'absent');
    await assertFolderIs(join(dl, 'album (1)'), v2);
    assert.match(warnings.join('\n'), /changed while its update was downloading; kept it as it is and saved the files in .*album \(1\)/);
  });

  it('a link in the older folder is never read nor written through; the new version goes beside it', async () => {
    const outside = join(base, 'outside.bin');
    await fsp.copyFile(join(dl, 'album', 'a.bin'), outside);
    await fsp.rm(join(dl, 'album', 'a.bin'));
    await fsp.symlink(outside, join(dl, 'album', 'a.bin'));
    const v2 = await version();
    const store = track(await PieceStore.open({ dir: dl, meta: v2.meta, onExisting: 'update' }));
    assert.equal(store.have.has(0), false, 'the bytes behind the link are not reused');
    await fetchRest(store, v2);
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album (1)'));
    assert.ok((await fsp.lstat(join(dl, 'album', 'a.bin'))).isSymbolicLink(), 'the link is left as it is');
    assert.ok((await fsp.readFile(outside)).equals(await fsp.readFile(join(src, 'a.bin'))), 'nothing written through it');
    await assertFolderIs(join(dl, 'album (1)'), v2);
  });

  it('a subfolder of the older folder that is a link leading out: nothing read or written through it, the new version beside', async () => {
    const outside = join(base, 'elsewhere');
    await fsp.rename(join(dl, 'album', 'sub'), outside);
    await fsp.symlink(outside, join(dl, 'album', 'sub'));
    const before = new Map<string, string>();
    for (const p of ['c.txt', 'deep/b.bin']) before.set(p, sha256(await fsp.readFile(join(outside, p))));
    const v2 = await version();
    const store = track(await PieceStore.open({ dir: dl, meta: v2.meta, onExisting: 'update' }));
    const subPieces = v2.meta.files.filter((f) => f.path.startsWith('sub/') && f.length > 0).map((f) => Math.floor(f.offset / PL));
    for (const i of subPieces) assert.equal(store.have.has(i), false, `piece ${i} (in sub/) is not read through the link`);
    await fetchRest(store, v2);
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album (1)'));
    assert.deepEqual((await fsp.readdir(outside)).sort(), ['c.txt', 'deep'], 'nothing new written through the link');
    for (const [p, sum] of before) assert.equal(sha256(await fsp.readFile(join(outside, p))), sum, `${p} untouched`);
    await assertFolderIs(join(dl, 'album (1)'), v2);
  });

  it('a folder where the new version has a file: nothing of the older folder is replaced, the new version goes beside it', async () => {
    await fsp.mkdir(join(dl, 'album', 'sub', 'new.txt', 'inside'), { recursive: true });
    const v2 = await version();
    const store = track(await PieceStore.open({ dir: dl, meta: v2.meta, onExisting: 'update' }));
    assert.ok(store.have.has(0), 'the other files still lend their pieces');
    await fetchRest(store, v2);
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album (1)'));
    assert.deepEqual(await fsp.readdir(join(dl, 'album', 'sub', 'new.txt')), ['inside']);
    assert.equal((await fsp.stat(join(dl, 'album', 'z.bin'))).size, 2 * PL + 1, 'z.bin is still version 1');
    await assertFolderIs(join(dl, 'album (1)'), v2);
  });

  it('resumes an update: pieces had before a close are kept, the older folder lends again, and it finishes in place', async () => {
    const v2 = await version();
    const a = await fsp.stat(join(dl, 'album', 'a.bin'));
    const first = await PieceStore.open({ dir: dl, meta: v2.meta, onExisting: 'update' });
    const reused = first.reusedBytes;
    for (let i = v2.meta.pieceCount - 1; i >= v2.meta.pieceCount - 2; i--) if (!first.have.has(i)) await first.putPiece(i, piece(v2, i));
    const had = first.have.count;
    await first.close();
    const store = track(await PieceStore.open({ dir: dl, meta: v2.meta, onExisting: 'update' }));
    assert.equal(store.have.count, had);
    assert.ok(reused > 0);
    await fetchRest(store, v2);
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album'));
    await assertFolderIs(join(dl, 'album'), v2);
    // its pieces were reused before the close: checked against their hashes at the end instead, it is kept as it is
    assert.equal((await fsp.stat(join(dl, 'album', 'a.bin'))).ino, a.ino, 'a.bin, unchanged, is not written again');
  });

  it('an unchanged folder needs no download; without update a changed one is refused as before', async () => {
    const v1 = await createFolderTorrent(join(dl, 'album'), { pieceLength: PL });
    const same = track(await PieceStore.open({ dir: dl, meta: v1, onExisting: 'update' }));
    assert.equal(same.complete, true);
    const v2 = await version();
    await assert.rejects(PieceStore.open({ dir: dl, meta: v2.meta }), /exists/);
  });
});
