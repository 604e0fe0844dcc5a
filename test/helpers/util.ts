// Shared test helpers: HTTP over loopback (high-level and raw bytes), free ports, child
// processes (start, wait for exit, RSS), temp dirs, random files, a seeded PRNG.
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request on a fresh connection (no keep-alive), bounded by `timeoutMs`. */
export function httpRequest(
  method: string,
  url: string,
  body?: Buffer,
  headers: Record<string, string | number> = {},
  timeoutMs = 10_000,
): Promise<HttpResult> {
  return new Promise((resolveP, reject) => {
    const req = request(url, { method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveP({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.slice(0, 80)} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const httpGet = (url: string, timeoutMs?: number): Promise<HttpResult> => httpRequest('GET', url, undefined, {}, timeoutMs);

export interface RawResult {
  /** everything the server sent before it closed (or before the timeout) */
  data: Buffer;
  /** the server closed or reset the connection */
  closed: boolean;
  reset: boolean;
  /** parsed when `data` starts with an HTTP status line */
  status?: number;
  headers?: Record<string, string>;
  body?: Buffer;
}

/**
 * Writes `bytes` on a fresh TCP connection, optionally half-closes, and collects the reply
 * until the server closes (or `timeoutMs`). Lets tests send what no HTTP client would.
 */
export function rawExchange(port: number, bytes: Buffer | string, opts: { end?: boolean; timeoutMs?: number; host?: string } = {}): Promise<RawResult> {
  const { end = true, timeoutMs = 5000, host = '127.0.0.1' } = opts;
  return new Promise((resolveP) => {
    const sock = connect({ host, port });
    const chunks: Buffer[] = [];
    let done = false;
    let reset = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolveP(parseRaw(Buffer.concat(chunks), closed, reset));
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => {
      sock.write(bytes, () => undefined);
      if (end) sock.end();
    });
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') reset = true;
      finish(true);
    });
    sock.on('close', () => finish(true));
  });
}

function parseRaw(data: Buffer, closed: boolean, reset: boolean): RawResult {
  const out: RawResult = { data, closed, reset };
  const headEnd = data.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, 20).toString('latin1'));
  if (!m || headEnd < 0) return out;
  out.status = Number(m[1]);
  out.headers = {};
  for (const line of data.subarray(0, headEnd).toString('latin1').split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out.headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = data.subarray(headEnd + 4);
  const len = out.headers['content-length'];
  if (len !== undefined) body = body.subarray(0, Number(len));
  else if (/chunked/i.test(out.headers['transfer-encoding'] ?? '')) body = dechunk(body);
  out.body = body;
  return out;
}

function dechunk(b: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (let guard = 0; guard < 100_000 && pos < b.length; guard++) {
    const eol = b.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(b.subarray(pos, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolveP, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolveP(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `stepMs` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Resolves once something accepts TCP connections on host:port. */
export function waitForPort(port: number, timeoutMs = 10_000, host = '127.0.0.1'): Promise<boolean> {
  const tryOnce = () =>
    new Promise<boolean>((r) => {
      const s = connect({ host, port });
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => (s.destroy(), r(false)));
    });
  return waitFor(`port ${port}`, tryOnce, timeoutMs);
}

/** Resolves once nothing accepts TCP connections on host:port any more. */
export function waitForPortFree(port: number, timeoutMs = 10_000, host = '127.0.0.1'): Promise<boolean> {
  const tryOnce = () =>
    new Promise<boolean>((r) => {
      const srv = createServer();
      srv.once('error', () => r(false));
      srv.listen(port, host, () => srv.close(() => r(true)));
    });
  return waitFor(`port ${port} to be free`, tryOnce, timeoutMs, 200);
}

/** Exit code (or signal name) of a child, waiting at most `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolveP, reject) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      reject(new Error(`pid ${child.pid} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolveP(code ?? signal ?? -1);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM the child by its PID, SIGKILL after `graceMs`, and wait for it to go. */
export async function stopChild(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, 'SIGTERM');
  try {
    await waitForExit(child, graceMs);
  } catch {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    await waitForExit(child, 5000);
  }
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function makeTempDir(prefix = 'sta-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fsp.mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}

/** Writes `size` random bytes to `path` (in 1 MiB slices). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const fh = await fsp.open(path, 'w');
  try {
    for (let off = 0; off < size; off += 1 << 20) await fh.write(randomBytes(Math.min(1 << 20, size - off)));
  } finally {
    await fh.close();
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Runs a program to completion (bounded), collecting its output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolveP, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    waitForExit(child, opts.timeoutMs ?? 60_000).then(
      (code) => resolveP({ code, stdout, stderr }),
      async (e) => {
        await stopChild(child, 1000);
        reject(e);
      },
    );
  });
}

export interface TrackerChild {
  child: ChildProcess;
  pid: number;
  announce: string;
  scrape: string;
  catalog: string;
  base: string;
  port: number;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `node dist/cli.js tracker --host 127.0.0.1 --port 0 --json ...` and reads its URLs. */
export async function startTrackerChild(extraArgs: string[] = [], timeoutMs = 15_000): Promise<TrackerChild> {
  const child = spawn(process.execPath, [CLI, 'tracker', '--host', '127.0.0.1', '--port', '0', '--json', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
    if (err.length > 1 << 20) err = err.slice(-(1 << 19)); // keep the tail only
  });
  try {
    const line = await new Promise<string>((resolveP, reject) => {
      const timer = setTimeout(() => reject(new Error(`tracker did not print its URLs within ${timeoutMs} ms: ${err}`)), timeoutMs);
      child.stdout!.on('data', (c) => {
        out += c;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolveP(out.slice(0, nl));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tracker exited with ${code} before listening: ${err}`));
      });
    });
    const info = JSON.parse(line) as { announce: string; catalog: string; scrape: string; pid: number };
    if (info.pid !== child.pid) throw new Error(`tracker reported pid ${info.pid}, spawned ${child.pid}`);
    const base = info.announce.replace(/\/announce$/, '');
    return {
      child,
      ...info,
      pid: child.pid!,
      base,
      port: Number(new URL(base).port),
      stderr: () => err,
      stop: () => stopChild(child),
    };
  } catch (e) {
    await stopChild(child, 2000);
    throw e;
  }
}

/** Percent-encodes every byte (what a client does for info_hash / peer_id). */
export const pct = (b: Buffer): string => [...b].map((x) => '%' + x.toString(16).padStart(2, '0').toUpperCase()).join('');

/** A 20-byte peer id in the BEP 20 style. */
export const peerId = (tag = 'TT0001'): Buffer => Buffer.concat([Buffer.from(`-${tag}-`.slice(0, 8)), randomBytes(12)]);

export interface AnnounceParams {
  infoHash: Buffer;
  peerId: Buffer;
  port: number;
  left?: number;
  event?: string;
  numwant?: number;
  compact?: 0 | 1;
  noPeerId?: boolean;
  ip?: string;
  extra?: string;
}

export function announceQuery(p: AnnounceParams): string {
  const parts = [`info_hash=${pct(p.infoHash)}`, `peer_id=${pct(p.peerId)}`, `port=${p.port}`, 'uploaded=0', 'downloaded=0', `left=${p.left ?? 1000}`];
  if (p.compact !== undefined) parts.push(`compact=${p.compact}`);
  if (p.event) parts.push(`event=${p.event}`);
  if (p.numwant !== undefined) parts.push(`numwant=${p.numwant}`);
  if (p.noPeerId) parts.push('no_peer_id=1');
  if (p.ip) parts.push(`ip=${encodeURIComponent(p.ip)}`);
  if (p.extra) parts.push(p.extra);
  return parts.join('&');
}

/** mulberry32: a small seeded PRNG so generated cases are the same on every run. */
export function prng(seed: number): { next: () => number; int: (lo: number, hi: number) => number; pick: <T>(xs: readonly T[]) => T; bytes: (n: number) => Buffer } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]) => xs[int(0, xs.length - 1)],
    bytes: (n: number) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = int(0, 255);
      return b;
    },
  };
}

/**
 * A small bencode decoder for tests that keeps dict keys byte-exact (latin1 strings):
 * `bencode@2` turns keys into UTF-8 strings, which mangles a scrape's raw info-hash keys.
 * Strings come back as Buffers, dicts as null-prototype objects. Input must be valid.
 */
export function bdecodeRawKeys(buf: Buffer): any {
  let pos = 0;
  const str = (): Buffer => {
    const colon = buf.indexOf(0x3a, pos);
    const len = Number(buf.toString('latin1', pos, colon));
    pos = colon + 1 + len;
    return buf.subarray(colon + 1, pos);
  };
  const value = (): any => {
    const c = buf[pos];
    if (c === 0x69) {
      const end = buf.indexOf(0x65, pos);
      const n = Number(buf.toString('latin1', pos + 1, end));
      pos = end + 1;
      return n;
    }
    if (c === 0x6c) {
      pos++;
      const list: any[] = [];
      while (buf[pos] !== 0x65) list.push(value());
      pos++;
      return list;
    }
    if (c === 0x64) {
      pos++;
      const dict: Record<string, any> = Object.create(null);
      while (buf[pos] !== 0x65) {
        const k = str().toString('latin1');
        dict[k] = value();
      }
      pos++;
      return dict;
    }
    return str();
  };
  const v = value();
  if (pos !== buf.length) throw new Error('trailing bytes');
  return v;
}
