import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createFolderTorrent } from '../../../../src/core/folderTorrent';
import { createTorrent, pieceSize, type Metainfo } from '../../../../src/core/metainfo';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { selectFiles, straddlingRanges } from '../../../../src/core/storage/selection';
import { makeTempDir } from '../../../helpers/files';
import { indexes, PL } from './fixture';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** in torrent order: a.bin | empty | sub/c.txt | sub/deep/b.bin | z.bin; pieces 1 and 4 straddle a selected and an unselected file */
const LAYOUT: [string, number][] = [
  ['a.bin', PL + 100],
  ['empty', 0],
  ['sub/c.txt', 7],
  ['sub/deep/b.bin', 3 * PL - 50],
  ['z.bin', 2 * PL + 1],
];

describe('selective download (--select)', () => {
  let base: string;
  let cleanup: () => Promise<void>;
  let src: string;
  let dl: string;
  let meta: Metainfo;
  let data: Buffer;
  const stores: PieceStore[] = [];
  const piece = (i: number) => Buffer.from(data.subarray(i * PL, i * PL + pieceSize(meta, i)));

  beforeEach(async () => {
    ({ dir: base, cleanup } = await makeTempDir('sta-select-'));
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

  it('selects files by glob and the pieces holding their bytes; the straddling bytes of other files', () => {
    const sel = selectFiles(meta, ['sub/**'])!;
    assert.deepEqual([...sel.files].sort(), [2, 3]);
    assert.deepEqual(indexes(sel.pieces), [1, 2, 3, 4]);
    const aEnd = PL + 100;
    const zStart = PL + 107 + 3 * PL - 50;
    assert.deepEqual(straddlingRanges(meta, sel), [
      { start: PL, end: aEnd },
      { start: zStart, end: 5 * PL },
    ]);
    assert.equal(selectFiles(meta, ['**']), undefined, 'every file: no selection at all');
    assert.deepEqual([...selectFiles(meta, ['*.bin'])!.files].sort(), [0, 4], '* stays within a folder');
    assert.throws(() => selectFiles(meta, ['sub/**', 'nothing/*']), /--select "nothing\/\*" matches no file of album \(5 files: a\.bin, empty/);
  });

  it('refuses --select for a single-file torrent', async () => {
    const one = await createTorrent(join(src, 'a.bin'), { pieceLength: PL });
    await assert.rejects(PieceStore.open({ dir: dl, meta: one, select: ['*'] }), /--select applies to a folder of files; a\.bin is a single file/);
    assert.deepEqual(await fsp.readdir(dl), []);
  });

  it('downloads only the pieces of selected files, writes only those files, and serves straddling pieces from the side file', async () => {
    const store = await PieceStore.open({ dir: dl, meta, select: ['sub/**'] });
    stores.push(store);
    assert.deepEqual(indexes(store.need), [0, 5, 6], 'pieces of unselected files only are not needed');
    assert.equal(store.complete, false);
    for (const i of [1, 2, 3, 4]) assert.equal(await store.putPiece(i, piece(i)), true);
    assert.equal(store.complete, true);
    assert.equal(store.have.count, 4);
    const folder = await store.finish();
    assert.equal(folder, join(await fsp.realpath(dl), 'album'));
    for (const p of ['sub/c.txt', 'sub/deep/b.bin']) assert.equal(sha256(await fsp.readFile(join(folder, p))), sha256(await fsp.readFile(join(src, p))), p);
    for (const p of ['a.bin', 'z.bin', 'empty']) await assert.rejects(fsp.stat(join(folder, p)), /ENOENT/, `${p} is not created`);
    assert.deepEqual((await fsp.readdir(join(dl, '.sta'))).sort(), ['.gitignore', `${meta.infoHashHex}.side`], 'only the side file (and .gitignore) is left in .sta');
    for (const i of [1, 4]) assert.ok((await store.readBlock(i, 0, pieceSize(meta, i))).equals(piece(i)), `piece ${i} served whole`);
    await assert.rejects(store.readBlock(0, 0, 16), /not available/);
  });
});
