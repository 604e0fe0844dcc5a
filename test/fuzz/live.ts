// The live programs under test: `sta tracker` and `sta share` as child processes on 127.0.0.1,
// their RSS and open files from /proc, and the honest probes run after every batch.
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { bparse, BNode } from './mutate';
import { fillDeterministic, Rng } from './rng';
import { BLOCK, frame, fullBitfield, Geometry, handshake, peerId, PeerReader, pieceBytes, request } from './wireproto';

export const HOST = '127.0.0.1';

export interface LiveProc {
  name: string;
  child: ChildProcess;
  pid: number;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  /** lines of stderr that say the program caught something it did not expect */
  internalErrors: string[];
  stderrTail: () => string;
  onExit: (cb: () => void) => void;
  rssMb: () => number | undefined;
  fds: () => number | undefined;
  stop: () => Promise<void>;
}

const SUSPICIOUS = /internal error|uncaught|unhandled|TypeError|RangeError|ReferenceError|SyntaxError|Maximum call stack|heap out of memory/i;

export function spawnSta(cli: string, name: string, args: string[], env: Record<string, string>, onStdoutLine: (line: string) => void): LiveProc {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let tail = '';
  let out = '';
  const internalErrors: string[] = [];
  const exitCbs: (() => void)[] = [];
  const proc: LiveProc = {
    name,
    child,
    pid: child.pid ?? -1,
    internalErrors,
    stderrTail: () => tail,
    onExit: (cb) => exitCbs.push(cb),
    rssMb: () => procRssMb(child.pid),
    fds: () => procFds(child.pid),
    stop: () => stopChild(child),
  };
  let errLine = '';
  child.stderr!.on('data', (c: Buffer) => {
    const s = c.toString();
    tail += s;
    if (tail.length > 64 * 1024) tail = tail.slice(-32 * 1024);
    errLine += s;
    let nl;
    while ((nl = errLine.indexOf('\n')) >= 0) {
      const line = errLine.slice(0, nl);
      errLine = errLine.slice(nl + 1);
      if (SUSPICIOUS.test(line) && internalErrors.length < 50) internalErrors.push(line.slice(0, 2000));
    }
    if (errLine.length > 1 << 20) errLine = '';
  });
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      onStdoutLine(out.slice(0, nl));
      out = out.slice(nl + 1);
    }
    if (out.length > 1 << 20) out = '';
  });
  child.on('exit', (code, signal) => {
    proc.exited = { code, signal };
    for (const cb of exitCbs) cb();
  });
  child.on('error', () => {});
  return proc;
}

export function procRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export function procFds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after 3 s; only ever the child we spawned, by its PID. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      try {
        if (child.pid) process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    try {
      if (child.pid) process.kill(child.pid, 'SIGCONT'); // in case a self-test stopped it
      child.kill('SIGTERM');
    } catch {
      clearTimeout(kill);
      resolve();
    }
  });
}

function waitLine<T>(proc: LiveProc, lines: string[], pick: (j: any) => T | undefined, what: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const iv = setInterval(() => {
      for (const l of lines) {
        let j;
        try {
          j = JSON.parse(l);
        } catch {
          continue;
        }
        const v = pick(j);
        if (v !== undefined) {
          clearInterval(iv);
          return resolve(v);
        }
      }
      if (proc.exited || Date.now() > deadline) {
        clearInterval(iv);
        const exited = proc.exited ? ` (exited ${proc.exited.code ?? proc.exited.signal})` : '';
        reject(new Error(`${proc.name}: no ${what} within ${ms} ms${exited}\n${proc.stderrTail().slice(-3000)}`));
      }
    }, 20);
  });
}

export interface Env {
  cli: string;
  tmp: string;
  tracker: LiveProc;
  seeder: LiveProc;
  trackerBase: string;
  trackerPort: number;
  announceUrl: string;
  seederPort: number;
  seederPeerId: Buffer;
  infoHash: Buffer;
  file: Buffer;
  filePath: string;
  geometry: Geometry;
  torrent: Buffer;
  procs: () => LiveProc[];
  /** set once stop() is called: exits after that are ours */
  stopping?: boolean;
  stop: () => Promise<void>;
}

/** Starts a tracker and a seeder of a seeded random file (34 MiB + a ragged tail: 32 KiB pieces of two blocks). */
export async function startEnv(cli: string, tmp: string, seed: number, generation: number): Promise<Env> {
  const started: LiveProc[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
  };
  try {
    const tLines: string[] = [];
    // every input comes from 127.0.0.1, honest probes included: the per-address announce limit (tested in
    // tracker-trust.test.ts) would answer them 429, so it is off here; every other cap stays on
    const trackerArgs = ['tracker', '--host', HOST, '--port', '0', '--announce-rate', '0', '--json'];
    const tracker = spawnSta(cli, 'tracker', trackerArgs, {}, (l) => tLines.push(l));
    started.push(tracker);
    const urls = await waitLine(tracker, tLines, (j) => (typeof j.announce === 'string' ? (j as { announce: string }) : undefined), 'listening line', 15_000);
    const announceUrl = urls.announce;
    const u = new URL(announceUrl);
    if (u.hostname !== HOST) throw new Error(`tracker listens on ${u.hostname}, not ${HOST}`);
    const trackerBase = `http://${u.host}`;

    const rng = new Rng(seed, 'file', generation);
    const size = 34 * 1024 * 1024 + rng.range(1, BLOCK - 1) + (rng.chance(0.5) ? BLOCK : 0);
    const file = Buffer.allocUnsafe(size);
    fillDeterministic(file, seed ^ 0x5eed);
    const filePath = join(tmp, `fuzz-${generation}.bin`);
    writeFileSync(filePath, file);

    const sLines: string[] = [];
    const seeder = spawnSta(
      cli,
      'seeder',
      ['share', filePath, '--tracker', announceUrl, '--host', HOST, '--port', '0', '--json', '--verbose'],
      { XDG_CACHE_HOME: join(tmp, 'cache') },
      (l) => sLines.push(l),
    );
    started.push(seeder);
    const listening = await waitLine(
      seeder,
      sLines,
      (j) => (j.type === 'listening' ? (j as { port: number; peerId: string }) : undefined),
      'listening event',
      20_000,
    );
    const sharing = await waitLine(
      seeder,
      sLines,
      (j) => (j.type === 'sharing' ? (j as { infoHash: string; length: number }) : undefined),
      'sharing event',
      60_000,
    );
    if (sharing.length !== size) throw new Error(`seeder shares ${sharing.length} bytes, the file has ${size}`);
    // the seeder publishes its .torrent to the catalog: take the piece length from there
    let torrent: Buffer | undefined;
    for (let i = 0; i < 200 && !torrent; i++) {
      const r = await httpGetBuf(`${trackerBase}/catalog/${sharing.infoHash}.torrent`, 2000).catch(() => undefined);
      if (r && r.status === 200) torrent = r.body;
      else await sleep(50);
    }
    if (!torrent) throw new Error('the seeder never published its .torrent to the tracker catalog');
    const top = bparse(torrent);
    const info = top && dictGet(top, 'info');
    const pl = info && dictGet(info, 'piece length');
    if (!pl || pl.t !== 'i') throw new Error('catalog .torrent has no piece length');
    const pieceLength = Number(pl.v);
    const geometry = { length: size, pieceLength, pieceCount: Math.ceil(size / pieceLength) };
    const env: Env = {
      cli,
      tmp,
      tracker,
      seeder,
      trackerBase,
      trackerPort: Number(u.port),
      announceUrl,
      seederPort: listening.port,
      seederPeerId: Buffer.from(listening.peerId, 'hex'),
      infoHash: Buffer.from(sharing.infoHash, 'hex'),
      file,
      filePath,
      geometry,
      torrent,
      procs: () => [tracker, seeder],
      stop: async () => {
        env.stopping = true;
        await stop();
      },
    };
    return env;
  } catch (e) {
    await stop();
    throw e;
  }
}

export function dictGet(n: BNode, key: string): BNode | undefined {
  if (n.t !== 'd') return undefined;
  for (const [k, v] of n.v) if (k.toString('latin1') === key) return v;
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function httpGetBuf(url: string, timeoutMs: number): Promise<{ status: number; body: Buffer; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: Date.now() - t0 }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

const pct = (b: Buffer) => [...b].map((c) => '%' + c.toString(16).padStart(2, '0')).join('');

/** An honest announce (random torrent), answered within `deadlineMs` with a well-formed body. */
export async function probeTracker(env: Env, rng: Rng, deadlineMs: number): Promise<string | undefined> {
  const ih = rng.bytes(20);
  const pid = peerId(rng);
  const q = (event: string) =>
    `${env.announceUrl}?info_hash=${pct(ih)}&peer_id=${pct(pid)}&port=${rng.range(1024, 65535)}` +
    `&uploaded=0&downloaded=0&left=1000&compact=1&numwant=50&event=${event}`;
  let r;
  try {
    r = await httpGetBuf(q('started'), Math.max(deadlineMs * 3, 3000));
  } catch (e) {
    return `tracker probe: honest announce failed: ${(e as Error).message}`;
  }
  if (r.ms > deadlineMs) {
    // a shared machine can stall a moment: one more try decides
    const again = await httpGetBuf(q('started'), Math.max(deadlineMs * 3, 3000)).catch(() => undefined);
    if (!again || again.ms > deadlineMs) {
      return `tracker probe: honest announce took ${r.ms} ms then ${again ? again.ms + ' ms' : 'no answer'} (deadline ${deadlineMs} ms)`;
    }
    r = again;
  }
  if (r.status !== 200) return `tracker probe: honest announce answered HTTP ${r.status}: ${r.body.toString('latin1').slice(0, 200)}`;
  const body = bparse(r.body);
  const interval = body && dictGet(body, 'interval');
  const peers = body && dictGet(body, 'peers');
  const validInterval = !!interval && interval.t === 'i' && /^[1-9][0-9]*$/.test(interval.v);
  const validPeers = !!peers && peers.t === 's' && peers.v.length % 6 === 0;
  if (!body || body.t !== 'd' || !validInterval || !validPeers) {
    return `tracker probe: honest announce body is not a valid announce answer: ${JSON.stringify(r.body.toString('latin1').slice(0, 200))}`;
  }
  await httpGetBuf(q('stopped'), 3000).catch(() => undefined);
  // the catalog still lists the seeder's file, as JSON
  let c;
  try {
    c = await httpGetBuf(`${env.trackerBase}/catalog`, 5000);
  } catch (e) {
    return `tracker probe: GET /catalog: ${(e as Error).message}`;
  }
  let files: unknown;
  try {
    files = JSON.parse(c.body.toString('utf8')).files;
  } catch {
    files = undefined;
  }
  if (c.status !== 200 || !Array.isArray(files)) {
    return `tracker probe: GET /catalog answered ${c.status} without a files array: ${c.body.toString('latin1').slice(0, 200)}`;
  }
  if (!files.some((f: { infoHash?: string }) => f?.infoHash === env.infoHash.toString('hex'))) {
    return 'tracker probe: the catalog no longer lists the seeder\'s file';
  }
  return undefined;
}

/**
 * An honest leecher: handshake, bitfield must be complete, interested, unchoke, then `blocks`
 * random blocks (always including the ragged last one) must arrive equal to the file's bytes.
 */
export function probeSeeder(env: Env, rng: Rng, deadlineMs: number, blocks = 12): Promise<string | undefined> {
  const g = env.geometry;
  const want: { index: number; begin: number; length: number }[] = [];
  const lastPiece = g.pieceCount - 1;
  const lastLen = pieceBytes(g, lastPiece);
  const lastBegin = Math.floor((lastLen - 1) / BLOCK) * BLOCK;
  want.push({ index: lastPiece, begin: lastBegin, length: lastLen - lastBegin });
  while (want.length < blocks) {
    const index = rng.int(g.pieceCount);
    const pb = pieceBytes(g, index);
    const begin = rng.int(Math.ceil(pb / BLOCK)) * BLOCK;
    if (want.some((w) => w.index === index && w.begin === begin)) continue;
    want.push({ index, begin, length: Math.min(BLOCK, pb - begin) });
  }
  return new Promise((resolve) => {
    const sock = connect({ host: HOST, port: env.seederPort });
    const reader = new PeerReader(9 + BLOCK);
    let done = false;
    let stage = 'connect';
    let gotBitfield = false;
    let requested = false;
    const pending = new Map(want.map((w) => [`${w.index}:${w.begin}`, w]));
    const finish = (err?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(err ? `seeder probe (${stage}): ${err}` : undefined);
    };
    const timer = setTimeout(() => finish(`no complete answer within ${deadlineMs} ms (${pending.size} of ${want.length} blocks missing)`), deadlineMs);
    sock.on('error', (e) => finish(`socket error ${e.message}`));
    sock.on('close', () => finish('seeder closed the connection'));
    sock.on('connect', () => {
      stage = 'handshake';
      sock.write(handshake(env.infoHash, peerId(rng)));
    });
    sock.on('data', (c: Buffer) => {
      reader.push(c, (f) => {
        if (done) return;
        if (f.id === 5) {
          gotBitfield = true;
          if (!f.payload.equals(fullBitfield(g))) return finish('the seeder\'s bitfield is not complete');
          stage = 'unchoke';
          sock.write(frame(2));
        } else if (f.id === 1 && !requested) {
          if (!gotBitfield) return finish('unchoke before any bitfield');
          requested = true;
          stage = 'blocks';
          sock.write(Buffer.concat(want.map((w) => request(w.index, w.begin, w.length))));
        } else if (f.id === 7) {
          const index = f.payload.readUInt32BE(0);
          const begin = f.payload.readUInt32BE(4);
          const data = f.payload.subarray(8);
          const w = pending.get(`${index}:${begin}`);
          if (!w) return finish(`unrequested block ${index}:${begin}`);
          if (data.length !== w.length) return finish(`block ${index}:${begin} has ${data.length} bytes, asked ${w.length}`);
          const at = index * g.pieceLength + begin;
          if (!data.equals(env.file.subarray(at, at + w.length))) return finish(`block ${index}:${begin} differs from the file's bytes`);
          pending.delete(`${index}:${begin}`);
          if (pending.size === 0) finish();
        }
      });
      if (reader.error) return finish(reader.error);
      if (reader.handshake && stage === 'handshake') {
        if (!reader.handshake.subarray(28, 48).equals(env.infoHash)) return finish('handshake for another info-hash');
        stage = 'bitfield';
      }
    });
  });
}
