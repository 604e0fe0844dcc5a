// A download lands at its catalog path inside the folder: a/config.json and b/config.json side by
// side, folders made only at the end and only inside, hostile paths refused with nothing written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hasher } from '../../../../src/core/storage/hasher';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { ExistingFileError } from '../../../../src/core/storage/placement';
import { NotAFolderError, PathError } from '../../../../src/core/storage/safePath';
import { listTree } from '../../../helpers/files';
import { makeTorrent, pieceOf, type TorrentFixture } from './fixture';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('PieceStore: catalog paths', () => {
  const hasher = new Hasher();
  let base: string;
  let dl: string;
  let a: TorrentFixture; // a/config.json
  let b: TorrentFixture; // b/config.json: same name, other bytes
  const stores: PieceStore[] = [];
  const open = async (t: TorrentFixture, relPath?: string, onExisting?: 'refuse' | 'suffix') =>
    stores[stores.push(await PieceStore.open({ dir: dl, meta: t.meta, relPath, onExisting, hasher })) - 1];
  const fill = (store: PieceStore, t: TorrentFixture) => Promise.all(Array.from({ length: t.meta.pieceCount }, (_, i) => store.putPiece(i, pieceOf(t, i))));

  before(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-paths-')));
    await fsp.mkdir(join(base, 'a'));
    await fsp.mkdir(join(base, 'b'));
    a = await makeTorrent(join(base, 'a'), 'config.json', 70_000);
    b = await makeTorrent(join(base, 'b'), 'config.json', 50_000);
  });
  beforeEach(async () => {
    dl = await fsp.mkdtemp(join(base, 'dl-'));
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await fsp.rm(dl, { recursive: true, force: true });
  });
  after(async () => {
    await hasher.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('a/config.json and b/config.json land at their own paths; folders appear only when the file does', async () => {
    const sa = await open(a, 'a/config.json');
    const sb = await open(b, 'b/config.json');
    assert.equal(sa.finalPath, join(dl, 'a', 'config.json'));
    assert.equal(sb.finalPath, join(dl, 'b', 'config.json'));
    const parts = [a, b].flatMap((t) => [`.sta/${t.meta.infoHashHex}.part`, `.sta/${t.meta.infoHashHex}.resume.json`]);
    assert.deepEqual(await listTree(dl), ['.sta', '.sta/.gitignore', ...parts].sort());
    await fill(sa, a);
    await fill(sb, b);
    assert.equal(await sa.finish(), join(dl, 'a', 'config.json'));
    assert.equal(await sb.finish(), join(dl, 'b', 'config.json'));
    assert.deepEqual(await listTree(dl), ['a', 'a/config.json', 'b', 'b/config.json']);
    assert.equal(sha256(await fsp.readFile(join(dl, 'a', 'config.json'))), sha256(a.data));
    assert.equal(sha256(await fsp.readFile(join(dl, 'b', 'config.json'))), sha256(b.data));
  });

  it('a deep path (data/train/x.bin) is made folder by folder; the same content there later is "already have"', async () => {
    const store = await open(a, 'data/train/config.json');
    await fill(store, a);
    assert.equal(await store.finish(), join(dl, 'data', 'train', 'config.json'));
    await store.close();
    const again = await open(a, 'data/train/config.json');
    assert.ok(again.complete);
    assert.equal(again.finalPath, join(dl, 'data', 'train', 'config.json'));
  });

  it("'suffix' renames the file, never a folder: a/config (1).json", async () => {
    await fsp.mkdir(join(dl, 'a'));
    await fsp.writeFile(join(dl, 'a', 'config.json'), '{"mine":true}');
    await assert.rejects(open(a, 'a/config.json'), ExistingFileError);
    const store = await open(a, 'a/config.json', 'suffix');
    await fill(store, a);
    assert.equal(await store.finish(), join(dl, 'a', 'config (1).json'));
    assert.equal(await fsp.readFile(join(dl, 'a', 'config.json'), 'utf8'), '{"mine":true}');
  });

  it('hostile paths and a path not ending in the torrent\'s name are refused at open, nothing written', async () => {
    const outside = join(base, 'outside');
    await fsp.mkdir(outside, { recursive: true });
    const bad = ['../outside/config.json', 'a/../../outside/config.json', '/tmp/config.json', 'a\0/config.json', '.sta/config.json', 'a//config.json'];
    bad.push('a/other.json'); // safe, but not the torrent's name
    for (const relPath of bad) {
      for (const onExisting of ['refuse', 'suffix'] as const) await assert.rejects(open(a, relPath, onExisting), PathError, relPath);
    }
    assert.deepEqual(await fsp.readdir(dl), []);
    assert.deepEqual(await fsp.readdir(outside), []);
  });

  it('a symlinked folder pointing outside is refused at open and at finish; nothing lands outside', async () => {
    const outside = join(base, 'elsewhere');
    await fsp.mkdir(outside, { recursive: true });
    await fsp.symlink(outside, join(dl, 'a'));
    await assert.rejects(open(a, 'a/config.json'), (e: unknown) => e instanceof PathError && /symbolic link/.test(e.message));
    assert.deepEqual(await fsp.readdir(dl), ['a']);
    // planted while the download runs: the finished file stays in .sta, not outside
    await fsp.rm(join(dl, 'a'));
    const store = await open(a, 'a/config.json');
    await fill(store, a);
    await fsp.symlink(outside, join(dl, 'a'));
    await assert.rejects(store.finish(), PathError);
    assert.deepEqual(await fsp.readdir(outside), []);
    assert.ok((await fsp.stat(join(dl, '.sta', `${a.meta.infoHashHex}.part`))).isFile());
  });

  it('a file where a folder is needed is refused (NotAFolderError), in every mode, and left alone', async () => {
    await fsp.writeFile(join(dl, 'a'), 'a file named a');
    for (const onExisting of ['refuse', 'suffix'] as const) await assert.rejects(open(a, 'a/config.json', onExisting), NotAFolderError);
    await assert.rejects(PieceStore.open({ dir: dl, meta: a.meta, relPath: 'a/config.json', onExisting: 'update', hasher }), NotAFolderError);
    assert.deepEqual(await fsp.readdir(dl), ['a']);
    assert.equal(await fsp.readFile(join(dl, 'a'), 'utf8'), 'a file named a');
  });
});
