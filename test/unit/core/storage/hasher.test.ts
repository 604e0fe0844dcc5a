import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Hasher } from '../../../../src/core/storage/hasher';
import { makeTempDir } from '../../../helpers/files';

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();

/** Runs `fn` with a fresh, empty file open for reading and writing; the file goes afterwards. */
async function withPartFile(fn: (fh: fsp.FileHandle, path: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await makeTempDir();
  const path = join(dir, 'part');
  const fh = await fsp.open(path, 'w+');
  try {
    await fn(fh, path);
  } finally {
    await fh.close();
    await cleanup();
  }
}

describe('Hasher', () => {
  let hasher: Hasher;
  afterEach(() => hasher?.close());

  it('computes SHA-1 of buffers of many sizes', async () => {
    hasher = new Hasher();
    for (const size of [0, 1, 20, 4095, 16 * 1024, 256 * 1024 + 7, 4 * 1024 * 1024]) {
      const data = randomBytes(size);
      const { digest } = await hasher.sha1(Buffer.from(data));
      assert.deepEqual(digest, sha1(data), `size ${size}`);
    }
  });

  it('moves a buffer that owns its memory to the worker and hands it back intact', async () => {
    hasher = new Hasher();
    const data = randomBytes(256 * 1024);
    const buf = Buffer.allocUnsafeSlow(data.length);
    data.copy(buf);
    const r = await hasher.sha1(buf);
    assert.equal(buf.length, 0, 'the caller’s view is detached by the transfer');
    assert.equal(r.buf.length, data.length);
    assert.deepEqual(r.buf, data);
    assert.deepEqual(r.digest, sha1(data));
    // the returned buffer is reusable for the next hash
    r.buf.fill(7);
    const again = await hasher.sha1(r.buf);
    assert.deepEqual(again.digest, sha1(Buffer.alloc(data.length, 7)));
  });

  it('writes a piece through the descriptor only when its SHA-1 matches, and reports a failed write', async () => {
    hasher = new Hasher();
    await withPartFile(async (fh, part) => {
      const good = randomBytes(64 * 1024);
      const bad = Buffer.alloc(64 * 1024, 1);
      const buf = Buffer.allocUnsafeSlow(good.length);
      good.copy(buf);
      const ok = await hasher.sha1(buf, { expect: sha1(good), fd: fh.fd, position: 64 * 1024 });
      assert.equal(ok.written, true);
      assert.deepEqual(ok.buf, good, 'the bytes come back for reuse');
      const no = await hasher.sha1(Buffer.from(bad), { expect: sha1(good), fd: fh.fd, position: 0 });
      assert.equal(no.written, false);
      const onDisk = await fsp.readFile(part);
      assert.equal(onDisk.length, 128 * 1024, 'nothing was written at 0: the file is as the good piece left it');
      assert.deepEqual(onDisk.subarray(64 * 1024), good);
      assert.ok(onDisk.subarray(0, 64 * 1024).equals(Buffer.alloc(64 * 1024)), 'a hole, not the bad bytes');
      const ro = await fsp.open(part, 'r');
      await assert.rejects(hasher.sha1(Buffer.from(good), { expect: sha1(good), fd: ro.fd, position: 0 }), { code: 'EBADF' });
      await ro.close();
    });
  });

  it('reads a piece in shared memory in place: nothing is detached, and a matching piece is written at its offset', async () => {
    hasher = new Hasher();
    await withPartFile(async (fh, part) => {
      const data = randomBytes(96 * 1024);
      const shared = Buffer.from(new SharedArrayBuffer(128 * 1024), 32 * 1024, data.length);
      data.copy(shared);
      const r = await hasher.sha1(shared, { expect: sha1(data), fd: fh.fd, position: 4096 });
      assert.equal(r.written, true);
      assert.equal(r.buf, shared, 'the same Buffer comes back');
      assert.equal(shared.length, data.length, 'not detached');
      assert.deepEqual(r.digest, sha1(data));
      const onDisk = await fsp.readFile(part);
      assert.deepEqual(onDisk.subarray(4096), data, 'the bytes at the view’s offset in the shared memory, not its start');
    });
  });

  it('copies a pooled or sliced buffer and leaves it untouched', async () => {
    hasher = new Hasher();
    const small = Buffer.from('hello world'); // from Node's shared pool
    const r1 = await hasher.sha1(small);
    assert.equal(r1.buf, small);
    assert.equal(small.toString(), 'hello world');
    assert.deepEqual(r1.digest, sha1(Buffer.from('hello world')));

    const big = randomBytes(64 * 1024);
    const slice = big.subarray(100, 40_000);
    const r2 = await hasher.sha1(slice);
    assert.equal(r2.buf, slice);
    assert.equal(slice.length, 39_900);
    assert.deepEqual(r2.digest, sha1(big.subarray(100, 40_000)));
  });

  it('counts pending hashes and keeps results matched to requests with two workers', async () => {
    hasher = new Hasher({ workers: 2 });
    assert.equal(hasher.size, 2);
    const inputs = Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 997));
    const jobs = inputs.map((b) => hasher.sha1(Buffer.from(b)));
    assert.equal(hasher.pending, 40);
    const results = await Promise.all(jobs);
    assert.equal(hasher.pending, 0);
    results.forEach((r, i) => assert.deepEqual(r.digest, sha1(inputs[i]), `job ${i}`));
  });

  it('rejects pending and later hashes once closed; close twice is fine', async () => {
    hasher = new Hasher();
    const pending = assert.rejects(hasher.sha1(randomBytes(1024 * 1024)), /closed/);
    await hasher.close();
    await pending;
    await assert.rejects(hasher.sha1(Buffer.from('x')), /closed/);
    await hasher.close();
  });

  it('does not keep a process alive once idle, even unclosed', async function () {
    this.timeout(20_000);
    const src = join(__dirname, '../../../../src/core/storage/hasher.ts');
    const code = `const { Hasher } = require(${JSON.stringify(src)});
      new Hasher().sha1(Buffer.alloc(1 << 20)).then((r) => console.log(r.digest.toString('hex')));`;
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code2 = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('exit', (c) => (clearTimeout(t), resolve(c)));
    });
    assert.equal(code2, 0, 'the child exited by itself');
    assert.equal(out.trim(), sha1(Buffer.alloc(1 << 20)).toString('hex'), 'and only after the hash was delivered');
  });

  describe('hashFile: a small file read and hashed in the worker', () => {
    let tmp: { dir: string; cleanup: () => Promise<void> };
    beforeEach(async () => (tmp = await makeTempDir('sta-hashfile-')));
    afterEach(() => tmp.cleanup());

    it('gives the SHA-1 of each piece and the size and mtime; a larger file, a folder or an empty file is only looked at', async () => {
      hasher = new Hasher();
      const data = randomBytes(3 * 16384 + 5);
      const path = join(tmp.dir, 'a.bin');
      await fsp.writeFile(path, data);
      const st = await fsp.stat(path);
      const r = await hasher.hashFile(path, 16384, 1 << 20);
      const expected = Buffer.concat([0, 1, 2, 3].map((i) => sha1(data.subarray(i * 16384, (i + 1) * 16384))));
      assert.deepEqual(r.hashes, expected);
      assert.deepEqual([r.file, r.size, r.mtimeMs, r.read, r.afterSize, r.afterMtimeMs], [true, data.length, st.mtimeMs, data.length, data.length, st.mtimeMs]);
      const big = await hasher.hashFile(path, 16384, data.length - 1);
      assert.deepEqual([big.file, big.size, big.hashes], [true, data.length, undefined]);
      assert.equal((await hasher.hashFile(tmp.dir, 16384, 1 << 20)).file, false);
      await fsp.writeFile(join(tmp.dir, 'empty'), '');
      assert.deepEqual([(await hasher.hashFile(join(tmp.dir, 'empty'), 16384, 1 << 20)).size], [0]);
    });

    it('50 files asked at once (batched per turn of the event loop): each answer to its own request; a missing one rejects with ENOENT alone', async () => {
      hasher = new Hasher();
      const datas = Array.from({ length: 50 }, (_, i) => randomBytes(100 + i * 313));
      await Promise.all(datas.map((d, i) => fsp.writeFile(join(tmp.dir, `f${i}`), d)));
      const asks = datas.map((_, i) => hasher.hashFile(join(tmp.dir, i === 17 ? 'missing' : `f${i}`), 16384, 1 << 20));
      const results = await Promise.allSettled(asks);
      results.forEach((r, i) => {
        if (i === 17) return assert.equal(r.status === 'rejected' && (r.reason as NodeJS.ErrnoException).code, 'ENOENT');
        assert.equal(r.status, 'fulfilled');
        assert.deepEqual((r as PromiseFulfilledResult<{ hashes?: Buffer }>).value.hashes, sha1(datas[i]), `file ${i}`);
      });
      assert.deepEqual((await hasher.sha1(Buffer.from('abc'))).digest, sha1(Buffer.from('abc')), 'the worker goes on');
      assert.equal(hasher.pending, 0);
    });
  });
});
