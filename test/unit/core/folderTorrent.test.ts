import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createFolderTorrent, listFolder } from '../../../src/core/folderTorrent';
import { MetainfoError, parseTorrent } from '../../../src/core/metainfo';
import { requireClient } from '../../helpers/clients';
import { makeTempDir, writeRandomFile } from '../../helpers/files';
import { run } from '../../helpers/processes';

const ANNOUNCE = 'http://127.0.0.1:6969/announce';

/** A folder with the cases mktorrent's order and rules decide: hidden, empty, nested, '.' before '/', upper case first. */
async function makeFolder(root: string): Promise<void> {
  await fsp.mkdir(join(root, 'sub', 'deep'), { recursive: true });
  await fsp.mkdir(join(root, '.hidden'));
  await writeRandomFile(join(root, 'a.bin'), 100_000);
  await writeRandomFile(join(root, 'a'), 16_384);
  await writeRandomFile(join(root, 'Z'), 3);
  await writeRandomFile(join(root, 'sub.txt'), 40_000);
  await writeRandomFile(join(root, 'sub', 'deep', 'x.dat'), 70_001);
  await writeRandomFile(join(root, '.hidden', 'h'), 5);
  await fsp.writeFile(join(root, 'empty'), '');
}

describe('createFolderTorrent', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('sta-folder-')));
  afterEach(() => cleanup());

  it('lists files in mktorrent order: byte order of the path, hidden and empty files included', async () => {
    const root = join(dir, 'shared');
    await makeFolder(root);
    const files = await listFolder(root);
    assert.deepEqual(
      files.map((f) => f.path),
      ['.hidden/h', 'Z', 'a', 'a.bin', 'empty', 'sub.txt', 'sub/deep/x.dat'],
    );
  });

  for (const log2 of [15, 16, 18]) {
    it(`gives mktorrent's info-hash for the same folder (piece length 2^${log2})`, async () => {
      requireClient('mktorrent');
      const root = join(dir, 'shared');
      await makeFolder(root);
      const out = join(dir, 'mk.torrent');
      const r = await run('mktorrent', ['-l', String(log2), '-a', ANNOUNCE, '-o', out, root], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      const theirs = parseTorrent(await fsp.readFile(out));
      const ours = await createFolderTorrent(root, { announce: ANNOUNCE, pieceLength: 2 ** log2 });
      assert.equal(ours.infoHashHex, theirs.infoHashHex);
      assert.deepEqual(ours.files, theirs.files);
      assert.equal(ours.name, 'shared');
    });
  }

  it('private and a symlink left out; an empty folder is refused', async () => {
    const root = join(dir, 'shared');
    await fsp.mkdir(root);
    await writeRandomFile(join(root, 'f'), 1000);
    await fsp.symlink('/etc/passwd', join(root, 'link'));
    const m = await createFolderTorrent(root, { announce: ANNOUNCE, private: true });
    assert.equal(m.private, true);
    assert.deepEqual(m.files, [{ path: 'f', length: 1000, offset: 0 }]);
    const empty = join(dir, 'empty');
    await fsp.mkdir(empty);
    await fsp.writeFile(join(empty, 'zero'), '');
    await assert.rejects(createFolderTorrent(empty), (e: Error) => e instanceof MetainfoError && /nothing to share/.test(e.message));
  });
});
