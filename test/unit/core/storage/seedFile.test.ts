// Repository files are seeded without a descriptor each (thousands of files would run into the
// process's limit): a file is opened when a peer reads it and given back after a while unread;
// the guard still refuses a file that changed, including one renamed over it with the same size and mtime.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTorrent } from '../../../../src/core/metainfo';
import { FileGuard } from '../../../../src/core/storage/fileGuard';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { SeedFile } from '../../../../src/core/storage/seedFile';
import { makeTempDir } from '../../../helpers/files';
import { waitFor } from '../../../helpers/wait';

const FILES = 400;
const MTIME = 1_700_000_000;
/** descriptors this process holds (Linux) */
const openFds = () => readdirSync('/proc/self/fd').length;

describe('SeedFile: repository files held open only while read', function () {
  this.timeout(30_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const stores: PieceStore[] = [];
  beforeEach(async () => (tmp = await makeTempDir('sta-seedfile-')));
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await tmp.cleanup();
  });

  it(`${FILES} seeded files hold no descriptor; a read opens one, serving the file's bytes`, async () => {
    const datas: Buffer[] = [];
    const before = openFds();
    for (let i = 0; i < FILES; i++) {
      const path = join(tmp.dir, `f${i}.bin`);
      datas.push(randomBytes(2000 + i));
      await fsp.writeFile(path, datas[i]);
      const st = await fsp.stat(path);
      const meta = await createTorrent(path);
      stores.push(await PieceStore.openSeed(path, meta, { verify: false, hashedAt: { size: st.size, mtimeMs: st.mtimeMs } }));
    }
    assert.ok(openFds() - before < 10, `${openFds() - before} descriptors held for ${FILES} seeds`);
    const block = await stores[77].readBlock(0, 0, datas[77].length);
    assert.ok(block.equals(datas[77]));
    assert.ok(openFds() - before < 10);
  });

  it('gives the descriptor back after a while unread, opens again on the next read', async () => {
    const path = join(tmp.dir, 'a.bin');
    const data = randomBytes(5000);
    await fsp.writeFile(path, data);
    const file = new SeedFile(path, 50);
    const buf = Buffer.alloc(100);
    assert.equal(file.open, false);
    assert.equal((await file.read(buf, 0, 100, 10)).bytesRead, 100);
    assert.ok(buf.equals(data.subarray(10, 110)));
    assert.equal(file.open, true);
    await waitFor('the descriptor given back', () => !file.open, 5000, 10);
    assert.equal((await file.read(buf, 0, 100, 200)).bytesRead, 100);
    assert.ok(buf.equals(data.subarray(200, 300)));
    await file.close();
    assert.equal(file.open, false);
    await assert.rejects(file.read(buf, 0, 100, 0), /closed/);
  });

  it('a file renamed over the seeded one with the same size and mtime is refused (another inode)', async () => {
    const path = join(tmp.dir, 'a.bin');
    await fsp.writeFile(path, randomBytes(5000));
    await fsp.utimes(path, MTIME, MTIME);
    const st = await fsp.stat(path);
    const file = new SeedFile(path, 50);
    const guard = new FileGuard(file, { size: st.size, mtimeMs: st.mtimeMs }, path);
    const read = () => guard.read(async () => {
      const buf = Buffer.alloc(100);
      await file.read(buf, 0, 100, 0);
      return buf;
    });
    await read();
    await waitFor('the descriptor given back', () => !file.open, 5000, 10);
    const impostor = join(tmp.dir, 'b.bin');
    await fsp.writeFile(impostor, randomBytes(5000));
    await fsp.utimes(impostor, MTIME, MTIME);
    assert.equal((await fsp.stat(impostor)).mtimeMs, st.mtimeMs);
    await fsp.rename(impostor, path);
    await assert.rejects(read(), (e: Error) => e.name === 'StaleFileError');
    assert.equal(guard.stale, true);
    await file.close();
  });
});
