import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Hasher } from '../../../../src/core/storage/hasher';

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();

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
});
