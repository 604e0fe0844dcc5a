import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bitfield } from '../../../../src/core/bitfield';
import { silentLogger } from '../../../../src/core/log';
import { Hasher } from '../../../../src/core/storage/hasher';
import { PartialFile } from '../../../../src/core/storage/partialFile';
import { indexes, makeTorrent, pieceOf, PL, type TorrentFixture } from './fixture';

const LENGTH = PL * 8 + 500; // 9 pieces, the last one short
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PartialFile', () => {
  const hasher = new Hasher();
  let base: string;
  let dir: string;
  let t: TorrentFixture;
  let partPath: string;
  let resumePath: string;
  const handles: PartialFile[] = [];
  /** opens the partial file; `checked` holds the bytes a recheck went through (0: none) */
  const open = async () => {
    let checked = 0;
    const partial = await PartialFile.open(dir, t.meta, hasher, silentLogger, (c) => (checked = c));
    handles.push(partial);
    return Object.assign(partial, { checked });
  };
  /** what a store does with a verified piece: write it at its place, then mark it */
  const put = async (p: PartialFile, i: number) => {
    await p.handle.write(pieceOf(t, i), 0, undefined, i * PL);
    p.have.set(i);
  };
  const readResume = async () => JSON.parse(await fsp.readFile(resumePath, 'utf8'));
  const resumeBits = async () => indexes(new Bitfield(t.meta.pieceCount, Buffer.from((await readResume()).bitfield, 'base64')));
  const close = async (p: PartialFile) => {
    await p.saveAndStop();
    await p.handle.close();
    handles.splice(handles.indexOf(p), 1);
  };

  before(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-partial-')));
    t = await makeTorrent(base, 'video.bin', LENGTH);
  });
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(base, 'dl-'));
    partPath = join(dir, '.sta', `${t.meta.infoHashHex}.part`);
    resumePath = join(dir, '.sta', `${t.meta.infoHashHex}.resume.json`);
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((p) => p.handle.close()));
    await fsp.rm(dir, { recursive: true, force: true });
  });
  after(async () => {
    await hasher.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('a new download: .sta/<hash>.part at full length, all zeros, and resume data saying no pieces', async () => {
    const p = await open();
    assert.equal(p.path, partPath);
    assert.equal(p.have.count, 0);
    assert.equal(p.checked, 0, 'nothing to recheck in a new file');
    assert.deepEqual(await fsp.readFile(partPath), Buffer.alloc(LENGTH));
    const resume = await readResume();
    assert.deepEqual([resume.version, resume.infoHash, resume.length, resume.pieceLength, resume.size], [1, t.meta.infoHashHex, LENGTH, PL, LENGTH]);
    assert.deepEqual(await resumeBits(), []);
  });

  it('resume round trip: pieces saved on close are trusted on reopen without a recheck', async () => {
    const first = await open();
    for (const i of [0, 3, 8]) await put(first, i);
    await close(first);
    assert.deepEqual(await resumeBits(), [0, 3, 8]);
    const second = await open();
    assert.equal(second.checked, 0);
    assert.deepEqual(indexes(second.have), [0, 3, 8]);
    const bytes = await fsp.readFile(partPath);
    assert.deepEqual(bytes.subarray(3 * PL, 4 * PL), t.data.subarray(3 * PL, 4 * PL));
  });

  it('a corrupt or mismatched resume file means a recheck, whose result is saved and trusted next time', async () => {
    const first = await open();
    for (const i of [1, 2]) await put(first, i);
    await close(first);
    const good = await readResume();
    const corrupt = [
      '{"version": 1, "infoHash": "', // not JSON
      JSON.stringify({ ...good, version: 2 }),
      JSON.stringify({ ...good, infoHash: '00'.repeat(20) }),
      JSON.stringify({ ...good, mtimeMs: good.mtimeMs - 1000 }), // the file was written after the save
      JSON.stringify({ ...good, bitfield: Buffer.from([0xff, 0xff]).toString('base64') }), // spare bits set
      JSON.stringify({ ...good, bitfield: Buffer.alloc(5).toString('base64') }), // wrong length
    ];
    for (const text of corrupt) {
      await fsp.writeFile(resumePath, text);
      const p = await open();
      assert.equal(p.checked, LENGTH, `rechecked after ${text.slice(0, 40)}`);
      assert.deepEqual(indexes(p.have), [1, 2]);
      await close(p);
      assert.deepEqual(await resumeBits(), [1, 2]);
    }
    const again = await open();
    assert.equal(again.checked, 0);
  });

  it('recheck after truncation: pieces cut off are lost, the rest found, the file back at full length', async () => {
    const first = await open();
    for (const i of [0, 1, 5, 8]) await put(first, i);
    await close(first);
    await fsp.truncate(partPath, 2 * PL + 10);
    const p = await open();
    assert.equal(p.checked, LENGTH);
    assert.deepEqual(indexes(p.have), [0, 1]);
    assert.equal((await fsp.stat(partPath)).size, LENGTH);
    assert.deepEqual(await resumeBits(), [0, 1]);
  });

  it('saves are debounced: a burst of pieces reaches the resume file once, about half a second later', async () => {
    const p = await open();
    const saved = (await fsp.stat(resumePath)).mtimeMs;
    for (const i of [0, 1, 2]) {
      await put(p, i);
      p.scheduleSave();
    }
    assert.deepEqual(await resumeBits(), [], 'not saved at once');
    await sleep(700);
    assert.deepEqual(await resumeBits(), [0, 1, 2]);
    const once = (await fsp.stat(resumePath)).mtimeMs;
    assert.ok(once > saved);
    await sleep(600);
    assert.equal((await fsp.stat(resumePath)).mtimeMs, once, 'no save without new pieces');
  });

  it('settle cancels a scheduled save', async () => {
    const p = await open();
    await put(p, 4);
    p.scheduleSave();
    await p.settle();
    await sleep(600);
    assert.deepEqual(await resumeBits(), []);
  });

  it('finished drops the resume data and the then-empty .sta; remove deletes a cancelled download', async () => {
    const p = await open();
    await fsp.rename(p.path, join(dir, 'video.bin'));
    await p.finished();
    p.scheduleSave();
    await p.saveAndStop();
    assert.deepEqual(await fsp.readdir(dir), ['video.bin'], 'no resume data written after finished');

    const q = await open();
    await fsp.writeFile(join(dir, '.sta', 'other.part'), 'another download');
    await q.remove();
    assert.deepEqual((await fsp.readdir(join(dir, '.sta'))).sort(), ['.gitignore', 'other.part'], '.sta stays while it holds something');
  });

  it('refuses a .sta that is a symlink or a file, writing nothing', async () => {
    const outside = await fsp.mkdtemp(join(base, 'outside-'));
    await fsp.symlink(outside, join(dir, '.sta'));
    await assert.rejects(open(), /is not a directory/);
    assert.deepEqual(await fsp.readdir(outside), []);
    await fsp.rm(join(dir, '.sta'));
    await fsp.writeFile(join(dir, '.sta'), '');
    await assert.rejects(open());
  });
});
