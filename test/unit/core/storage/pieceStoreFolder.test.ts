import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createFolderTorrent } from '../../../../src/core/folderTorrent';
import { pieceSize, type Metainfo } from '../../../../src/core/metainfo';
import { StaleFileError } from '../../../../src/core/storage/fileGuard';
import { FolderFile, MAX_OPEN_FILES } from '../../../../src/core/storage/folderFile';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { ExistingFileError } from '../../../../src/core/storage/placement';
import { PathError } from '../../../../src/core/storage/safePath';
import { makeTempDir } from '../../../helpers/files';
import { PL } from './fixture';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** path → size, in torrent order: pieces cross every file boundary; an empty file and nested ones */
const LAYOUT: [string, number][] = [
  ['a.bin', PL + 100],
  ['empty', 0],
  ['sub/c.txt', 7],
  ['sub/deep/b.bin', 3 * PL - 50],
  ['z.bin', 2 * PL + 1],
];

describe('PieceStore: multi-file torrents', () => {
  let base: string;
  let cleanup: () => Promise<void>;
  let src: string;
  let dl: string;
  let meta: Metainfo;
  let data: Buffer;
  const stores: PieceStore[] = [];
  const track = (s: PieceStore) => (stores.push(s), s);
  const piece = (i: number) => Buffer.from(data.subarray(i * PL, i * PL + pieceSize(meta, i)));

  beforeEach(async () => {
    ({ dir: base, cleanup } = await makeTempDir('sta-folder-store-'));
    src = join(base, 'album');
    dl = join(base, 'dl');
    await fsp.mkdir(dl);
    const parts: Buffer[] = [];
    for (const [p, size] of LAYOUT) {
      await fsp.mkdir(join(src, p, '..'), { recursive: true });
      const bytes = randomBytes(size);
      await fsp.writeFile(join(src, p), bytes);
      parts.push(bytes);
    }
    meta = await createFolderTorrent(src, { pieceLength: PL });
    data = Buffer.concat(parts);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await cleanup();
  });

  async function assertFolder(folder: string): Promise<void> {
    for (const [p, size] of LAYOUT) {
      const got = await fsp.readFile(join(folder, p));
      assert.equal(got.length, size, p);
      assert.equal(sha256(got), sha256(await fsp.readFile(join(src, p))), `${p} differs`);
    }
  }

  it('downloads pieces that span files, writes each file out at the end, and serves pieces from the files', async () => {
    assert.equal(meta.multiFile, true);
    const store = track(await PieceStore.open({ dir: dl, meta }));
    const realDl = await fsp.realpath(dl);
    assert.equal(store.finalPath, join(realDl, 'album'));
    const order = Array.from({ length: meta.pieceCount }, (_, i) => meta.pieceCount - 1 - i);
    assert.equal(await store.putPiece(0, randomBytes(PL)), false, 'a bad piece is refused');
    for (const i of order) assert.equal(await store.putPiece(i, piece(i)), true);
    assert.equal(await store.finish(), join(realDl, 'album'));
    await assertFolder(join(dl, 'album'));
    assert.deepEqual(await fsp.readdir(dl), ['album'], 'the partial file and .sta are gone');
    // a block across a.bin | c.txt | b.bin, read back from the files
    const block = await store.readBlock(1, 50, 200);
    assert.ok(block.equals(data.subarray(PL + 50, PL + 250)));
  });

  it('resumes: pieces written before a close are still had after a reopen', async () => {
    const first = await PieceStore.open({ dir: dl, meta });
    for (let i = 0; i < meta.pieceCount; i += 2) await first.putPiece(i, piece(i));
    const had = first.have.count;
    await first.close();
    const store = track(await PieceStore.open({ dir: dl, meta }));
    assert.equal(store.have.count, had);
    for (let i = 1; i < meta.pieceCount; i += 2) await store.putPiece(i, piece(i));
    await store.finish();
    await assertFolder(join(dl, 'album'));
  });

  it('a different folder of the name: refused (nothing written in it), or the download goes to "album (1)"', async () => {
    await fsp.mkdir(join(dl, 'album'));
    await fsp.writeFile(join(dl, 'album', 'a.bin'), 'mine');
    await assert.rejects(PieceStore.open({ dir: dl, meta }), ExistingFileError);
    assert.deepEqual(await fsp.readdir(join(dl, 'album')), ['a.bin']);
    assert.equal(await fsp.readFile(join(dl, 'album', 'a.bin'), 'utf8'), 'mine');
    const store = track(await PieceStore.open({ dir: dl, meta, onExisting: 'suffix' }));
    for (let i = 0; i < meta.pieceCount; i++) await store.putPiece(i, piece(i));
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album (1)'));
    await assertFolder(join(dl, 'album (1)'));
    assert.equal(await fsp.readFile(join(dl, 'album', 'a.bin'), 'utf8'), 'mine');
  });

  it('a symlink at the name is never followed: refused at open, skipped when it is planted at "album (1)"', async () => {
    const outside = join(base, 'outside');
    await fsp.mkdir(outside);
    await fsp.symlink(outside, join(dl, 'album'));
    await assert.rejects(PieceStore.open({ dir: dl, meta }), PathError);
    await fsp.rm(join(dl, 'album'));
    const store = track(await PieceStore.open({ dir: dl, meta }));
    for (let i = 0; i < meta.pieceCount; i++) await store.putPiece(i, piece(i));
    await fsp.mkdir(join(dl, 'album'));
    await fsp.symlink(outside, join(dl, 'album (1)'));
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album (2)'));
    await assertFolder(join(dl, 'album (2)'));
    assert.deepEqual(await fsp.readdir(outside), [], 'nothing written through a symlink');
  });

  it('a folder that appears at the name during the download is kept; the files go beside it', async () => {
    const store = track(await PieceStore.open({ dir: dl, meta }));
    const warnings: string[] = [];
    store.whenWarned((m) => warnings.push(m));
    for (let i = 0; i < meta.pieceCount; i++) await store.putPiece(i, piece(i));
    await fsp.mkdir(join(dl, 'album'));
    assert.equal(await store.finish(), join(await fsp.realpath(dl), 'album (1)'));
    assert.deepEqual(await fsp.readdir(join(dl, 'album')), []);
    await assertFolder(join(dl, 'album (1)'));
    assert.match(warnings.join('\n'), /appeared during the download/);
  });

  it('the folder already there with every file: complete at once, nothing downloaded', async () => {
    await fsp.cp(src, join(dl, 'album'), { recursive: true });
    const store = track(await PieceStore.open({ dir: dl, meta }));
    assert.equal(store.complete, true);
    assert.ok((await store.readBlock(4, 0, 100)).equals(data.subarray(4 * PL, 4 * PL + 100)));
    assert.deepEqual((await fsp.readdir(dl)).sort(), ['album']);
  });

  it('a crash after the files were placed: the next open finds them complete and clears the partial file', async () => {
    const first = await PieceStore.open({ dir: dl, meta });
    for (let i = 0; i < meta.pieceCount; i++) await first.putPiece(i, piece(i));
    await first.close(); // the partial file is complete; now the files appear as if placed before a crash
    await fsp.cp(src, join(dl, 'album'), { recursive: true });
    assert.equal((await fsp.readdir(join(dl, '.sta'))).length, 3); // .part, .resume.json, .gitignore
    const store = track(await PieceStore.open({ dir: dl, meta }));
    assert.equal(store.complete, true);
    assert.equal(store.finalPath, join(await fsp.realpath(dl), 'album'));
    assert.deepEqual(await fsp.readdir(dl), ['album']);
  });

  it('a complete partial file from before a crash: written out on open', async () => {
    const first = await PieceStore.open({ dir: dl, meta });
    for (let i = 0; i < meta.pieceCount; i++) await first.putPiece(i, piece(i));
    await first.close();
    const store = track(await PieceStore.open({ dir: dl, meta }));
    assert.equal(store.complete, true);
    await assertFolder(join(dl, 'album'));
    assert.deepEqual(await fsp.readdir(dl), ['album']);
  });

  it('seeds a folder in place; a file changed afterwards is never served', async () => {
    const store = track(await PieceStore.openSeed(src, meta));
    assert.equal(store.complete, true);
    const last = meta.pieceCount - 1;
    assert.ok((await store.readBlock(last, 0, pieceSize(meta, last))).equals(data.subarray(last * PL)));
    await new Promise((r) => setTimeout(r, 20));
    await fsp.appendFile(join(src, 'sub', 'c.txt'), 'x');
    // piece 1 covers a.bin's end, c.txt and b.bin's start
    await assert.rejects(store.readBlock(1, 0, PL), StaleFileError);
    assert.equal(store.stale, true);
  });

  it('refuses to seed a folder whose files differ from the torrent', async () => {
    await fsp.writeFile(join(src, 'z.bin'), randomBytes(2 * PL + 1));
    await assert.rejects(PieceStore.openSeed(src, meta), /does not match the torrent album: \d+ of \d+ pieces differ/);
    await assert.rejects(PieceStore.openSeed(join(src, 'a.bin'), meta), /is not a folder/);
    // trusted without hashing (just hashed by sta share --as-one): a file of another size is still refused
    await fsp.appendFile(join(src, 'sub', 'c.txt'), 'x');
    await assert.rejects(PieceStore.openSeed(src, meta, { verify: false }), /c\.txt is 8 bytes; the torrent says 7/);
  });

  it(`FolderFile holds at most ${MAX_OPEN_FILES} files open while reading many`, async () => {
    const many = join(base, 'many');
    await fsp.mkdir(many);
    for (let i = 0; i < 100; i++) await fsp.writeFile(join(many, `f${String(i).padStart(3, '0')}`), Buffer.alloc(1000, i));
    const m = await createFolderTorrent(many, { pieceLength: PL });
    const file = new FolderFile(many, m.files);
    try {
      const buf = Buffer.alloc(m.length);
      await file.read(buf, 0, m.length, 0);
      for (let i = 0; i < 100; i++) assert.equal(buf[i * 1000 + 999], i);
      const open = (file as unknown as { handles: Map<number, { open: boolean }> }).handles;
      assert.ok(open.size <= MAX_OPEN_FILES, `${open.size} files open`);
    } finally {
      await file.close();
    }
  });
});
