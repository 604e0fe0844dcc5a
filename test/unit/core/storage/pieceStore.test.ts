import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bitfield } from '../../../../src/core/bitfield';
import { createTorrent, pieceSize, type Metainfo } from '../../../../src/core/metainfo';
import { Hasher } from '../../../../src/core/storage/hasher';
import { PieceStore } from '../../../../src/core/storage/pieceStore';
import { ExistingFileError } from '../../../../src/core/storage/placement';
import { PathError } from '../../../../src/core/storage/safePath';

const PL = 16 * 1024;
const LENGTH = PL * 40 + 1234; // 41 pieces, the last one short
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fileSha256 = async (p: string) => sha256(await fsp.readFile(p));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh copy of piece i (putPiece takes ownership of the buffer it is given). */
const piece = (data: Buffer, meta: Metainfo, i: number) => Buffer.from(data.subarray(i * PL, i * PL + pieceSize(meta, i)));
const shuffled = (n: number) => {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const indexes = (bf: Bitfield) => Array.from({ length: bf.length }, (_, i) => i).filter((i) => bf.has(i));

describe('PieceStore', () => {
  let base: string;
  let dl: string;
  let data: Buffer;
  let meta: Metainfo;
  let srcPath: string;
  const stores: PieceStore[] = [];
  const track = (s: PieceStore) => (stores.push(s), s);
  const open = async (opts: Partial<Parameters<typeof PieceStore.open>[0]> = {}) => track(await PieceStore.open({ dir: dl, meta, ...opts }));

  beforeEach(async () => {
    base = await fsp.mkdtemp(join(tmpdir(), 'sta-store-'));
    dl = join(base, 'dl');
    await fsp.mkdir(join(base, 'src'));
    await fsp.mkdir(dl);
    data = randomBytes(LENGTH);
    srcPath = join(base, 'src', 'video.bin');
    await fsp.writeFile(srcPath, data);
    meta = await createTorrent(srcPath, { pieceLength: PL });
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('downloads pieces in random order, many writes in flight, and finishes to identical bytes', async () => {
    const store = await open();
    assert.equal(store.finalPath, join(await fsp.realpath(dl), 'video.bin'));
    assert.equal(store.have.count, 0);
    const puts = shuffled(meta.pieceCount).map((i) => store.putPiece(i, piece(data, meta, i)));
    assert.ok(store.pendingBytes > 0 && store.pendingBytes <= LENGTH);
    assert.deepEqual(await Promise.all(puts), puts.map(() => true));
    assert.equal(store.pendingBytes, 0);
    assert.ok(store.complete);
    assert.equal(await store.putPiece(3, piece(data, meta, 3)), true, 'a piece already had is ignored');
    const final = await store.finish();
    assert.equal(final, store.finalPath);
    assert.equal(await fileSha256(final), sha256(data));
    assert.deepEqual(await fsp.readdir(dl), ['video.bin'], '.sta with its partial and resume data is gone');
    assert.deepEqual(await store.readBlock(40, 100, 1000), data.subarray(40 * PL + 100, 40 * PL + 1100), 'reads work after finish');
    assert.equal(await store.finish(), final);
  });

  it('rejects a corrupted piece: false, have unchanged, nothing written', async () => {
    const store = await open();
    assert.ok(await store.putPiece(0, piece(data, meta, 0)));
    const bad = piece(data, meta, 5);
    bad[777] ^= 0xff;
    assert.equal(await store.putPiece(5, bad), false);
    assert.deepEqual(indexes(store.have), [0]);
    await assert.rejects(store.readBlock(5, 0, 16), /not available/);
    const part = await fsp.readFile(join(dl, '.sta', `${meta.infoHashHex}.part`));
    assert.equal(part.length, LENGTH, 'partial file is preallocated at full length');
    assert.ok(part.subarray(5 * PL, 6 * PL).every((b) => b === 0));
    await assert.rejects(store.putPiece(1, Buffer.alloc(PL - 1)), RangeError);
    await assert.rejects(store.putPiece(41, Buffer.alloc(PL)), RangeError);
  });

  it('a duplicate arriving while the first copy is in flight is written once', async () => {
    const store = await open();
    const bad = piece(data, meta, 2);
    bad[0] ^= 1;
    const results = await Promise.all([store.putPiece(2, bad), store.putPiece(2, piece(data, meta, 2)), store.putPiece(2, piece(data, meta, 2))]);
    assert.deepEqual(results, [false, true, true]);
    assert.deepEqual(await store.readBlock(2, 0, PL), data.subarray(2 * PL, 3 * PL));
  });

  it('resumes: half the pieces, close, reopen → same bitfield without a recheck', async () => {
    const first = await open();
    const half = shuffled(meta.pieceCount).slice(0, 20);
    await Promise.all(half.map((i) => first.putPiece(i, piece(data, meta, i))));
    await first.close();
    await first.close(); // twice is fine
    await assert.rejects(first.putPiece(half[0], piece(data, meta, half[0])), /closed/);
    const resume = JSON.parse(await fsp.readFile(join(dl, '.sta', `${meta.infoHashHex}.resume.json`), 'utf8'));
    assert.equal(resume.infoHash, meta.infoHashHex);
    assert.equal(resume.version, 1);

    let rechecked = 0;
    const second = await open({ onCheckProgress: (c) => (rechecked = c) });
    assert.equal(rechecked, 0, 'trusted the resume data');
    assert.deepEqual(indexes(second.have), [...half].sort((a, b) => a - b));
    for (let i = 0; i < meta.pieceCount; i++) if (!second.have.has(i)) assert.ok(await second.putPiece(i, piece(data, meta, i)));
    assert.equal(await fileSha256(await second.finish()), sha256(data));
  });

  it('after kill -9 (pieces written after the last resume save), a recheck finds every written piece', async function () {
    this.timeout(30_000);
    const torrentPath = join(base, 'video.torrent');
    await fsp.writeFile(torrentPath, meta.torrent);
    const mod = (p: string) => JSON.stringify(join(__dirname, '../../../../src/core', p));
    // The child downloads 20 pieces, lets the debounced save run, writes 10 more and is killed
    // before the next save: the resume data on disk then lists only the first 20.
    const code = `
      const fs = require('node:fs');
      const { parseTorrent } = require(${mod('metainfo.ts')});
      const { PieceStore } = require(${mod('storage/pieceStore.ts')});
      (async () => {
        const meta = parseTorrent(fs.readFileSync(${JSON.stringify(torrentPath)}));
        const data = fs.readFileSync(${JSON.stringify(srcPath)});
        const put = (s, i) => s.putPiece(i, Buffer.from(data.subarray(i * ${PL}, Math.min((i + 1) * ${PL}, data.length))));
        const store = await PieceStore.open({ dir: ${JSON.stringify(dl)}, meta });
        for (let i = 0; i < 20; i++) await put(store, i);
        await new Promise((r) => setTimeout(r, 900));
        for (let i = 25; i < 35; i++) await put(store, i);
        process.stdout.write('ready\\n');
        setInterval(() => {}, 1000);
      })();`;
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (c) => reject(new Error(`child exited early with ${c}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const resume = JSON.parse(await fsp.readFile(join(dl, '.sta', `${meta.infoHashHex}.resume.json`), 'utf8'));
    assert.equal(new Bitfield(meta.pieceCount, Buffer.from(resume.bitfield, 'base64')).count, 20, 'the last save predates pieces 25–34');

    let checked = 0;
    const store = await open({ onCheckProgress: (c, total) => (assert.equal(total, LENGTH), (checked = c)) });
    assert.equal(checked, LENGTH, 'rechecked the whole partial file');
    const expected = [...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 25 + i)];
    assert.deepEqual(indexes(store.have), expected);
    await store.close();
    let rechecked = 0;
    const again = await open({ onCheckProgress: (c) => (rechecked = c) });
    assert.equal(rechecked, 0, 'the recheck result was saved and is trusted next time');
    assert.equal(again.have.count, 30);
  });

  it('an identical file already at the target: complete, served, nothing written', async () => {
    const target = join(dl, 'video.bin');
    await fsp.writeFile(target, data);
    const before = await fsp.stat(target);
    const store = await open();
    assert.ok(store.complete);
    assert.equal(store.finalPath, join(await fsp.realpath(dl), 'video.bin'));
    assert.deepEqual(await store.readBlock(7, 10, 500), data.subarray(7 * PL + 10, 7 * PL + 510));
    assert.equal(await store.putPiece(1, piece(data, meta, 1)), true);
    assert.equal(await store.finish(), store.finalPath);
    await store.close();
    assert.deepEqual(await fsp.readdir(dl), ['video.bin'], 'no .sta folder');
    assert.equal((await fsp.stat(target)).mtimeMs, before.mtimeMs);
  });

  it('a different file at the target: ExistingFileError, file unchanged, nothing written', async () => {
    const target = join(dl, 'video.bin');
    const other = Buffer.from(data);
    other[LENGTH - 1] ^= 1; // same size, last piece differs
    for (const content of [other, Buffer.from('something else')]) {
      await fsp.writeFile(target, content);
      await assert.rejects(open(), (e: unknown) => {
        assert.ok(e instanceof ExistingFileError);
        assert.ok(e.message.includes(target) && /differs/.test(e.message), e.message);
        return true;
      });
      assert.deepEqual(await fsp.readFile(target), content);
      assert.deepEqual(await fsp.readdir(dl), ['video.bin']);
    }
  });

  it("'suffix' writes beside a different file as \"name (1).ext\" and finds it again next time", async () => {
    await fsp.writeFile(join(dl, 'video.bin'), 'not the video');
    const store = await open({ onExisting: 'suffix' });
    assert.equal(store.finalPath, join(await fsp.realpath(dl), 'video (1).bin'));
    await Promise.all(shuffled(meta.pieceCount).map((i) => store.putPiece(i, piece(data, meta, i))));
    assert.equal(await fileSha256(await store.finish()), sha256(data));
    assert.equal(await fsp.readFile(join(dl, 'video.bin'), 'utf8'), 'not the video');
    const again = await open({ onExisting: 'suffix' });
    assert.ok(again.complete);
    assert.ok(again.finalPath.endsWith('video (1).bin'));
  });

  it('finish never overwrites a file that appeared at the final name meanwhile', async () => {
    const store = await open();
    await Promise.all(shuffled(meta.pieceCount).map((i) => store.putPiece(i, piece(data, meta, i))));
    await fsp.writeFile(join(dl, 'video.bin'), 'mine');
    const final = await store.finish();
    assert.ok(final.endsWith('video (1).bin'));
    assert.equal(await fsp.readFile(join(dl, 'video.bin'), 'utf8'), 'mine');
    assert.equal(await fileSha256(final), sha256(data));
  });

  it('refuses a hostile name and a symlinked .sta folder, writing nothing', async () => {
    const outside = join(base, 'outside');
    await fsp.mkdir(outside);
    for (const name of ['../outside/evil.bin', '/tmp/evil.bin', '..', 'a\\..\\evil']) {
      await assert.rejects(open({ meta: { ...meta, name } }), PathError);
    }
    await fsp.symlink(outside, join(dl, '.sta'));
    await assert.rejects(open(), /not a directory/);
    assert.deepEqual(await fsp.readdir(outside), []);
    assert.deepEqual(await fsp.readdir(dl), ['.sta']);
  });

  it('openSeed verifies an existing file and reads blocks from it; verify=false trusts it', async () => {
    const hasher = new Hasher();
    try {
      const seed = track(await PieceStore.openSeed(srcPath, meta, { hasher }));
      assert.ok(seed.complete);
      assert.equal(seed.finalPath, srcPath);
      for (const [i, begin, len] of [[0, 0, PL], [13, 16000, 384], [40, 0, 1234], [40, 1233, 1]]) {
        assert.deepEqual(await seed.readBlock(i, begin, len), data.subarray(i * PL + begin, i * PL + begin + len));
      }
      for (const [i, begin, len] of [[41, 0, 1], [-1, 0, 1], [0, -1, 10], [0, 0, 0], [0, PL - 10, 11], [40, 0, 1235], [1.5, 0, 1], [0, 0.5, 1]]) {
        await assert.rejects(seed.readBlock(i, begin, len), RangeError, `readBlock(${i}, ${begin}, ${len})`);
      }
      const copy = join(base, 'src', 'changed.bin');
      const changed = Buffer.from(data);
      changed[5 * PL] ^= 1;
      await fsp.writeFile(copy, changed);
      await assert.rejects(PieceStore.openSeed(copy, meta, { hasher }), /1 of 41 pieces differ/);
      const trusted = track(await PieceStore.openSeed(copy, meta, { hasher, verify: false }));
      assert.ok(trusted.complete);
      await assert.rejects(PieceStore.openSeed(join(base, 'src'), meta, { hasher }));
      await fsp.writeFile(copy, 'short');
      await assert.rejects(PieceStore.openSeed(copy, meta, { hasher }), /5 bytes/);
    } finally {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await hasher.close();
    }
  });

  it('a shared hasher is used and left open by the store', async () => {
    const hasher = new Hasher({ workers: 2 });
    try {
      const store = await open({ hasher });
      await Promise.all([0, 1, 2].map((i) => store.putPiece(i, piece(data, meta, i))));
      await store.close();
      assert.ok((await hasher.sha1(Buffer.from('still open'))).digest.length === 20);
    } finally {
      await hasher.close();
    }
  });

  it('reads from the partial file only the pieces it has; no debounced save fires after close', async () => {
    const store = await open();
    assert.ok(await store.putPiece(9, piece(data, meta, 9)));
    assert.deepEqual(await store.readBlock(9, 1, 16 * 1024 - 1), data.subarray(9 * PL + 1, 10 * PL));
    await assert.rejects(store.readBlock(8, 0, 1), /not available/);
    await assert.rejects(store.finish(), /40 pieces missing/);
    await store.close();
    const resumePath = join(dl, '.sta', `${meta.infoHashHex}.resume.json`);
    const saved = (await fsp.stat(resumePath)).mtimeMs;
    await sleep(600); // longer than the debounce: the timer scheduled by putPiece must be gone
    assert.equal((await fsp.stat(resumePath)).mtimeMs, saved);
    await assert.rejects(store.readBlock(9, 0, 1), /closed/);
  });
});
