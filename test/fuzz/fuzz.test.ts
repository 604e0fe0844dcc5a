// The CI pass of the fuzzer (issue #8 item 6): a short seeded run of every target against the
// freshly built dist/cli.js must find nothing; and the fuzzer must fail, with a replay line,
// when a live process crashes or hangs (checked by its --inject self-test).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const FUZZ = join(__dirname, 'fuzz.ts');

function runFuzz(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), FUZZ, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const t = setTimeout(() => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      reject(new Error(`fuzzer ran past ${timeoutMs} ms:\n${out.slice(-4000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

describe('fuzz (short CI pass)', function () {
  this.timeout(240_000);
  const seed = process.env.FUZZ_SEED ?? '1';

  it('every target: no crash, hang, growth or wrong bytes in a short pass', async () => {
    const { code, out } = await runFuzz(['--quick', '--seed', seed], 180_000);
    const summary = /^(target|wire|handshake|torrent|bencode|tracker|trackerpost|multifile|extended|metadata|total|process|seeder|fuzzer|RSS|\s*\[|FAIL|\s+npm run fuzz)/;
    console.log(out.split('\n').filter((l) => summary.test(l)).join('\n'));
    assert.equal(code, 0, `the fuzzer found something (seed ${seed}):\n${out.slice(-6000)}`);
    const total = Number(/^total\s+(\d+)/m.exec(out)?.[1] ?? 0);
    assert.ok(total >= 1000, `only ${total} inputs ran`);
  });

  it('fails with a replay line when the seeder crashes', async () => {
    const { code, out } = await runFuzz(['--quick', '--seed', '7', '--targets', 'wire', '--count', '400', '--batch', '200', '--inject', 'crash'], 90_000);
    assert.equal(code, 1, out.slice(-3000));
    assert.match(out, /FAIL \[wire\] crash: seeder \(pid \d+\) exited with SIGKILL/);
    assert.match(out, /npm run fuzz -- --seed 7 --targets wire --from \d+ --count \d+/);
  });

  it('fails when the tracker hangs', async () => {
    const { code, out } = await runFuzz(['--quick', '--seed', '7', '--targets', 'tracker', '--count', '400', '--batch', '200', '--inject', 'hang'], 90_000);
    assert.equal(code, 1, out.slice(-3000));
    assert.match(out, /FAIL \[tracker\] hang: tracker probe/);
  });
});
