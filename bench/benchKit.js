// Small pieces the benchmarks (peers.js, live-repo.js) are built from: child processes that speak JSON lines,
// CPU seconds from /proc, a plain HTTP GET, and a TCP proxy that counts the HTTP requests through it.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

/** Utime+stime of a process in seconds, or null once it is gone. */
function cpuSeconds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Open file descriptors of a process, or null. */
function openFds(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Resident memory of a process in MiB, or null. */
function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

function httpGet(url, ms = 10_000, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(ms, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Every process this bench started, so an interrupted run leaves none behind. */
const live = new Set();

class Proc {
  constructor(name, cmd, args, { env, cwd } = {}) {
    this.name = name;
    /** JSON events from stdout, but for the many progress and state lines */
    this.events = [];
    this.stderrTail = '';
    this.stdoutTail = '';
    this.waiters = [];
    this.child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    this.spawnedAt = performance.now();
    live.add(this);
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.stdoutTail = (this.stdoutTail + line + '\n').slice(-4000);
      if (line[0] !== '{') return;
      let ev;
      try {
        ev = JSON.parse(line);
      } catch {
        return;
      }
      ev.at = performance.now();
      if (ev.type === 'progress' || ev.type === 'state') return;
      this.events.push(ev);
      for (const w of [...this.waiters]) w(ev);
    });
    this.child.stderr.on('data', (d) => (this.stderrTail = (this.stderrTail + d).slice(-4000)));
    this.exited = new Promise((resolve) => {
      const gone = () => {
        this.exitedAt ??= performance.now();
        live.delete(this);
        for (const w of [...this.waiters]) w(null);
        resolve();
      };
      this.child.on('error', (e) => ((this.error = e), gone()));
      this.child.on('exit', (code, signal) => ((this.code = code), (this.signal = signal), gone()));
    });
  }

  get running() {
    return this.exitedAt === undefined;
  }

  /** The first JSON event matching `pred` (seen already or to come); rejects on exit or after `ms`. */
  waitFor(pred, ms, what) {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (err, ev) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        err ? reject(err) : resolve(ev);
      };
      const waiter = (ev) => {
        if (ev === null) done(new Error(`${this.name} exited (${this.code ?? this.signal}) before ${what}: ${this.stderrTail.trim().slice(-600)}`));
        else if (pred(ev)) done(null, ev);
      };
      const timer = setTimeout(() => done(new Error(`${this.name}: no ${what} within ${ms} ms: ${this.stderrTail.trim().slice(-600)}`)), ms);
      this.waiters.push(waiter);
      if (!this.running) waiter(null);
    });
  }

  /** Whether the process exited within `ms`. */
  async waitExit(ms) {
    await Promise.race([this.exited, sleep(ms)]);
    return !this.running;
  }

  /** `signal`, then SIGKILL after `ms` — only this process, by its PID. Resolves with the seconds it took to exit. */
  async stop(ms = 10_000, signal = 'SIGTERM') {
    if (!this.running) return 0;
    const t0 = performance.now();
    try {
      process.kill(this.pid, signal);
    } catch {}
    await Promise.race([this.exited, sleep(ms)]);
    if (this.running) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {}
      await Promise.race([this.exited, sleep(3000)]);
    }
    return (performance.now() - t0) / 1000;
  }
}

function killAllSync() {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
  }
}

/**
 * A TCP proxy on 127.0.0.1 that counts the HTTP requests clients send through it, by method and
 * first path segment (a raw pipe: cheap enough not to slow what it measures). `target` can change
 * while it runs: a restarted tracker keeps the URL peers know.
 */
class CountingProxy {
  constructor(target) {
    this.target = target; // { host, port }
    this.log = []; // [time, key]
    this.server = net.createServer((client) => this.pipe(client));
    this.sockets = new Set();
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.port = this.server.address().port))));
  }

  pipe(client) {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
    let tail = '';
    client.on('data', (chunk) => {
      const text = tail + chunk.toString('latin1');
      const re = /(?:^|\n)(GET|POST|HEAD|PUT) (\/[^ ?\r\n]*)[^\r\n]* HTTP\/1\.[01]\r\n/g;
      let m;
      let end = 0;
      while ((m = re.exec(text))) {
        // the key route under an optional team key: /KEY/announce counts as announce
        const route = m[2].split('/').filter(Boolean).find((p) => !/^[A-Za-z0-9_-]{16,128}$/.test(p)) ?? '';
        this.log.push([performance.now(), `${m[1]} /${route.replace(/\.torrent$|^[0-9a-f]{40}(\.torrent)?$/, '<hash>')}`]);
        end = re.lastIndex;
      }
      tail = text.slice(Math.max(end, text.length - 256));
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** requests per key between two performance.now() times */
  count(from = 0, to = Infinity) {
    const out = {};
    for (const [t, k] of this.log) if (t >= from && t < to) out[k] = (out[k] ?? 0) + 1;
    return out;
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

module.exports = { CLK_TCK, sleep, log, cpuSeconds, openFds, rssMiB, httpGet, Proc, killAllSync, CountingProxy };
