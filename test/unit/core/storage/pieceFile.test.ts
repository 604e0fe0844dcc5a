import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bitfield } from '../../../../src/core/bitfield';
import { silentLogger } from '../../../../src/core/log';
import { Hasher } from '../../../../src/core/storage/hasher';
import { PieceFile, readFull } from '../../../../src/core/storage/pieceFile';
import { indexes, makeTorrent, pieceOf, PL, type TorrentFixture } from './fixture';

const LENGTH = PL * 6 + 321; // 7 pieces, the last one short

describe('PieceFile', () => {
  const hasher = new Hasher();
  let base: string;
  let t: TorrentFixture;
  let filePath: string;
  let handle: FileHandle;
  let have: Bitfield;
  let written: number;
  let file: PieceFile;

  before(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-piecefile-')));
    t = await makeTorrent(base, 'video.bin', LENGTH);
  });
  beforeEach(async () => {
    filePath = join(base, 'download.part');
    handle = await fsp.open(filePath, 'w+');
    await handle.truncate(LENGTH);
    have = new Bitfield(t.meta.pieceCount);
    written = 0;
    file = new PieceFile(handle, t.meta, have, hasher, silentLogger, () => written++);
  });
  afterEach(async () => {
    await file.close();
    await fsp.rm(filePath, { force: true });
  });
  after(async () => {
    await hasher.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('writes a piece whose SHA-1 matches at its offset, marks it, and reads blocks of it back', async () => {
    const puts = [6, 2, 0].map((i) => file.write(i, pieceOf(t, i)));
    assert.ok(file.pendingBytes > 0, 'pending while hashing and writing');
    assert.deepEqual(await Promise.all(puts), [true, true, true]);
    assert.equal(file.pendingBytes, 0);
    assert.deepEqual(indexes(have), [0, 2, 6]);
    assert.equal(written, 3);
    const disk = await fsp.readFile(filePath);
    for (const i of [0, 2, 6]) assert.deepEqual(disk.subarray(i * PL, i * PL + pieceOf(t, i).length), pieceOf(t, i));
    assert.ok(disk.subarray(PL, 2 * PL).every((b) => b === 0), 'nothing written between pieces');
    assert.deepEqual(await file.read(2, 100, 900), t.data.subarray(2 * PL + 100, 2 * PL + 1000));
    assert.deepEqual(await file.read(6, 0, 321), t.data.subarray(6 * PL));
  });

  it('a piece that fails its SHA-1 is not written or marked, and its memory is handed back', async () => {
    const bad = pieceOf(t, 3);
    bad[10] ^= 0xff;
    let recycled: Buffer | undefined;
    assert.equal(await file.write(3, bad, (b) => (recycled = b)), false);
    assert.equal(have.count, 0);
    assert.equal(written, 0);
    assert.ok((await fsp.readFile(filePath)).every((b) => b === 0));
    assert.equal(recycled?.length, PL);
  });

  it('a duplicate waits for the copy in flight and is written once; one already had is taken without another write', async () => {
    const bad = pieceOf(t, 1);
    bad[0] ^= 1;
    assert.deepEqual(await Promise.all([file.write(1, bad), file.write(1, pieceOf(t, 1)), file.write(1, pieceOf(t, 1))]), [false, true, true]);
    assert.equal(written, 1);
    assert.equal(await file.write(1, pieceOf(t, 1)), true);
    assert.equal(written, 1);
  });

  it('stopWrites lets writes in flight land and refuses new ones; close refuses reads', async () => {
    const inflight = file.write(4, pieceOf(t, 4));
    await file.stopWrites();
    assert.equal(await inflight, true);
    assert.deepEqual((await fsp.readFile(filePath)).subarray(4 * PL, 5 * PL), pieceOf(t, 4));
    await assert.rejects(file.write(5, pieceOf(t, 5)), /video\.bin: store is closed/);
    assert.deepEqual(await file.read(4, 0, 10), t.data.subarray(4 * PL, 4 * PL + 10), 'reads work until close');
    await file.close();
    await assert.rejects(file.read(4, 0, 10), /store is closed/);
  });

  it('readFull names the byte where a short file ends', async () => {
    await handle.truncate(100);
    await assert.rejects(readFull(handle, Buffer.alloc(50), 80), /unexpected end of file at byte 100/);
  });
});
