#!/usr/bin/env node
// Peer benchmark: STA's downloads against aria2c's, in the same run, on 127.0.0.1.
//
//   npm run bench                  (builds dist/ first; ~4-6 minutes)
//   npm run bench -- --quick       (256 MiB / 64 MiB files, one round)
//   node bench/peers.js [--rounds 3] [--size MiB] [--crowd-size MiB] [--seeders 3] [--leechers 6]
//                       [--scenarios multi,crowd] [--timeout SEC] [--no-drop-caches]
//                       [--cpu-prof DIR] [--cli PATH] [--keep]
//
// Scenarios (each tool gets a fresh tracker and fresh seeders every run; rounds alternate
// which tool goes first; figures are medians over rounds):
//   multi  one leecher ← SEEDERS seeders of a SIZE random file. STA: `sta share` ×N (one shared
//          XDG_CACHE_HOME, so the file is hashed once per bench) + `sta tracker` + `sta get
//          INFOHASH`; aria2c: N seeders (-V --bt-seed-unverified) + a leecher (--seed-time=0) on
//          a private mktorrent torrent with STA's piece length, announcing to an STA tracker.
//          Time = leecher spawn → verified file (STA: its "complete" JSON line; aria2c: exit 0).
//          The STA leecher runs with bench/probe.js preloaded: event-loop delay and RSS.
//   crowd  1 seeder → LEECHERS leechers spawned together; time = spawn → the last one done.
//   live   bench/live-repo.js, run after the others: 10,000 files published (first Start, restart),
//          idle CPU and tracker requests/s, bytes moved by a 1 MiB update of a 1 GiB file (--quick: smaller).
// Before each timed leecher start: seeders announced (tracker scrape shows them), `sync`, drop the
// page cache (root only; else noted), read the source file back into the cache.
// Every output is checked by size and full SHA-256. CPU time of every process comes from
// /proc/PID/stat (sampled every 100 ms). Results: a table on stdout, bench/results/peers.json.
// --cpu-prof DIR adds one untimed STA multi run with `node --cpu-prof` on the leecher and one
// seeder, and prints each profile's top self-time functions.
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { freePort } = require('../test/helpers/freePort');
const { roleStats, roleLine } = require('./roleStats');
const { log, sleep, cpuSeconds, httpGet, Proc, killAllSync } = require('./benchKit');

const ROOT = path.resolve(__dirname, '..');
let CLI = path.join(ROOT, 'dist', 'cli.js'); // --cli PATH: another build (compare builds in one session)
const PROBE = path.join(__dirname, 'probe.js');
const RESULTS = path.join(__dirname, 'results', 'peers.json');
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- options

function options() {
  const o = {
    rounds: 3,
    size: 1024,
    crowdSize: 256,
    seeders: 3,
    leechers: 6,
    timeout: 180,
    scenarios: 'multi,crowd,live',
    dropCaches: true,
    cpuProf: '',
    keep: false,
    quick: false,
  };
  const argv = process.argv.slice(2);
  const ints = { rounds: 'rounds', size: 'size', 'crowd-size': 'crowdSize', seeders: 'seeders', leechers: 'leechers', timeout: 'timeout' };
  const set = new Set();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    const [, k, inline] = m;
    const val = () => inline ?? argv[++i];
    if (k in ints) {
      const v = Number(val());
      if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} wants a positive integer`);
      o[ints[k]] = v;
      set.add(ints[k]);
    } else if (k === 'scenarios') o.scenarios = val();
    else if (k === 'cpu-prof') o.cpuProf = path.resolve(val());
    else if (k === 'cli') CLI = path.resolve(val());
    else if (k === 'no-drop-caches') o.dropCaches = false;
    else if (k === 'keep') o.keep = true;
    else if (k === 'quick') o.quick = true;
    else throw new Error(
      `unknown option --${k} (known: --rounds --size --crowd-size --seeders --leechers --timeout --scenarios --cpu-prof --cli --no-drop-caches --keep --quick)`,
    );
  }
  if (o.quick) {
    if (!set.has('size')) o.size = 256;
    if (!set.has('crowdSize')) o.crowdSize = 64;
    if (!set.has('rounds')) o.rounds = 1;
  }
  o.scenarios = o.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of o.scenarios) if (!['multi', 'crowd', 'live'].includes(s)) throw new Error(`unknown scenario ${s} (multi, crowd, live)`);
  return o;
}

// ---------------------------------------------------------------- small helpers

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const uptimeLine = () => (spawnSync('uptime', { encoding: 'utf8' }).stdout || '').trim();


function percentEncode(buf) {
  let s = '';
  for (const b of buf) {
    const c = String.fromCharCode(b);
    s += /[A-Za-z0-9.\-_~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

/** Seeders the tracker knows for an info-hash (BEP 48 scrape, bencoded answer). */
async function scrapeSeeders(scrapeUrl, infoHashHex) {
  const res = await httpGet(`${scrapeUrl}?info_hash=${percentEncode(Buffer.from(infoHashHex, 'hex'))}`);
  const m = /8:completei(\d+)e/.exec(res.body.toString('latin1'));
  return m ? Number(m[1]) : 0;
}


/** Bytes a process has passed through read(2)/write(2)-family calls (/proc/PID/io), or null. */
function ioBytes(pid) {
  try {
    const t = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    return { rchar: Number(/rchar: (\d+)/.exec(t)[1]), wchar: Number(/wchar: (\d+)/.exec(t)[1]) };
  } catch {
    return null;
  }
}

/** Machine-wide [busy, total] jiffies from /proc/stat. */
function machineJiffies() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] || 0);
  return [total - idle, total];
}

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file, { highWaterMark: 4 * MiB })
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** Random file of `bytes`, returning its SHA-256. */
function makeRandomFile(file, bytes) {
  const h = crypto.createHash('sha256');
  const buf = Buffer.allocUnsafe(16 * MiB);
  const fd = fs.openSync(file, 'w');
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(buf.length, bytes - done);
      const chunk = buf.subarray(0, n);
      crypto.randomFillSync(chunk);
      h.update(chunk);
      fs.writeSync(fd, chunk);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function readWhole(file) {
  const buf = Buffer.allocUnsafe(8 * MiB);
  const fd = fs.openSync(file, 'r');
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

let dropCachesNote = null;
/** sync; drop the page cache if we may; then read `warm` back in so seeders serve from memory. */
function settle(o, warm) {
  spawnSync('sync');
  if (o.dropCaches && dropCachesNote === null) {
    try {
      fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    } catch (e) {
      dropCachesNote = `could not drop the page cache (${e.code || e.message}); runs start with a warm cache`;
      log(dropCachesNote);
    }
  }
  for (const f of warm) readWhole(f);
}

// ---------------------------------------------------------------- processes

/** Samples CPU seconds of a set of processes and of the machine every 100 ms. */
class CpuWatch {
  constructor(groups) {
    this.groups = groups; // { name: Proc[] }
    this.start = new Map();
    this.last = new Map();
    this.peakPct = {};
    this.io0 = new Map();
    this.io = new Map();
    for (const procs of Object.values(groups)) {
      for (const p of procs) {
        this.start.set(p.pid, cpuSeconds(p.pid) ?? 0);
        this.io0.set(p.pid, ioBytes(p.pid) ?? { rchar: 0, wchar: 0 });
      }
    }
    this.machine0 = machineJiffies();
    this.prev = { t: performance.now(), sums: this.sums() };
    this.timer = setInterval(() => this.tick(), 100);
  }
  sums() {
    const out = {};
    for (const [g, procs] of Object.entries(this.groups)) {
      let s = 0;
      for (const p of procs) {
        const c = cpuSeconds(p.pid);
        if (c !== null) this.last.set(p.pid, c);
        const io = ioBytes(p.pid);
        if (io) this.io.set(p.pid, io);
        s += (this.last.get(p.pid) ?? this.start.get(p.pid)) - this.start.get(p.pid);
      }
      out[g] = s;
    }
    return out;
  }
  tick() {
    const t = performance.now();
    const sums = this.sums();
    const dt = (t - this.prev.t) / 1000;
    for (const g of Object.keys(sums)) {
      const pct = ((sums[g] - this.prev.sums[g]) / dt) * 100;
      // single 100 ms samples are coarse (10 ms ticks); keep a 3-sample moving peak instead
      (this.hist ??= {})[g] = [...((this.hist ?? {})[g] ?? []), pct].slice(-3);
      const avg = this.hist[g].reduce((a, b) => a + b, 0) / this.hist[g].length;
      if (this.hist[g].length === 3) this.peakPct[g] = Math.max(this.peakPct[g] ?? 0, avg);
    }
    this.prev = { t, sums };
  }
  finish(seconds) {
    clearInterval(this.timer);
    const sums = this.sums();
    const [b1, t1] = machineJiffies();
    const out = { machineBusyPct: Number(((100 * (b1 - this.machine0[0])) / Math.max(1, t1 - this.machine0[1])).toFixed(1)) };
    for (const [g, s] of Object.entries(sums)) {
      // syscall bytes (rchar/wchar include sockets, and the last 100 ms of a process that exits are missed)
      let r = 0;
      let w = 0;
      for (const p of this.groups[g]) {
        const a = this.io0.get(p.pid);
        const b = this.io.get(p.pid) ?? a;
        r += b.rchar - a.rchar;
        w += b.wchar - a.wchar;
      }
      out[g] = {
        cpuSeconds: Number(s.toFixed(2)),
        avgPct: Number(((100 * s) / seconds).toFixed(0)),
        peakPct: Math.round(this.peakPct[g] ?? 0),
        readMB: Math.round(r / 1e6),
        writeMB: Math.round(w / 1e6),
        writeBytes: w,
      };
    }
    return out;
  }
}

// ---------------------------------------------------------------- swarm pieces

const node = process.execPath;

async function startTracker(dir, tag) {
  const p = new Proc(`tracker-${tag}`, node, [CLI, 'tracker', '--host', '127.0.0.1', '--port', '0', '--interval', '1', '--json'], { cwd: dir });
  const info = await p.waitFor((e) => typeof e.announce === 'string', 10_000, 'listening line');
  return { proc: p, announce: info.announce, scrape: info.scrape, catalog: info.catalog };
}

async function waitSeeders(tracker, infoHash, n, ms = 60_000) {
  const until = Date.now() + ms;
  let got = 0;
  while (Date.now() < until) {
    got = await scrapeSeeders(tracker.scrape, infoHash).catch(() => 0);
    if (got >= n) return;
    await sleep(100);
  }
  throw new Error(`tracker knows ${got} of ${n} seeders for ${infoHash} after ${ms} ms`);
}

function aria2Args(port, extra) {
  return [
    '--no-conf=true',
    '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false',
    '--disable-ipv6=true', '--interface=127.0.0.1', `--listen-port=${port}`,
    '--file-allocation=falloc', '--console-log-level=warn', '--summary-interval=0', '--enable-color=false',
    '--bt-tracker-interval=1', '--auto-file-renaming=false', '--allow-overwrite=true',
    `--stop-with-process=${process.pid}`,
    ...extra,
  ];
}

/** Starts `n` seeders of ctx's file for `tool`; resolves once the tracker lists them all. */
async function startSeeders(tool, ctx, tracker, n, run, profDir, seedProbe) {
  const seeders = [];
  if (tool === 'sta') {
    for (let i = 0; i < n; i++) {
      const pre = profDir && i === 0 ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `seeder-${ctx.name}.cpuprofile`] : [];
      // the first seeder may carry the probe, reset (SIGUSR2) when the leechers start
      const env = { XDG_CACHE_HOME: ctx.cache };
      if (seedProbe && i === 0) {
        pre.push('-r', PROBE);
        Object.assign(env, { BENCH_PROBE_OUT: seedProbe, BENCH_PROBE_RESET: '1' });
      }
      seeders.push(
        new Proc(
          `sta-seed${i}`,
          node,
          [...pre, CLI, 'share', ctx.file, '--tracker', tracker.announce, '--host', '127.0.0.1', '--json'],
          { cwd: run, env },
        ),
      );
    }
    await Promise.all(seeders.map((s) => s.waitFor((e) => e.type === 'sharing', 60_000, '"sharing" event')));
    await waitSeeders(tracker, ctx.staInfoHash, n);
  } else {
    for (let i = 0; i < n; i++) {
      const args = aria2Args(
        await freePort(),
        ['-V', '--bt-seed-unverified=true', '--seed-ratio=0.0', `--dir=${ctx.dir}`, `--bt-exclude-tracker=*`, `--bt-tracker=${tracker.announce}`, ctx.torrent],
      );
      seeders.push(new Proc(`aria2-seed${i}`, 'aria2c', args, { cwd: run }));
    }
    await waitSeeders(tracker, ctx.ariaInfoHash, n, 90_000);
  }
  return seeders;
}

/** Spawns one leecher; `done` resolves with {seconds, exitSeconds, ok, error}. */
function startLeecher(tool, ctx, tracker, run, i, o, opts = {}) {
  const out = path.join(run, `out${i}`);
  fs.mkdirSync(out, { recursive: true });
  let proc;
  if (tool === 'sta') {
    const pre = [];
    if (opts.probe) pre.push('-r', PROBE);
    if (opts.profDir && i === 0) pre.push('--cpu-prof', '--cpu-prof-dir', opts.profDir, '--cpu-prof-name', `leecher-${ctx.name}.cpuprofile`);
    const env = { XDG_CACHE_HOME: path.join(run, `cache${i}`) };
    if (opts.probe) env.BENCH_PROBE_OUT = opts.probe;
    proc = new Proc(
      `sta-get${i}`,
      node,
      [...pre, CLI, 'get', ctx.staInfoHash, '--tracker', tracker.announce, '--out', out, '--host', '127.0.0.1', '--json', '--timeout', String(o.timeout)],
      { cwd: run, env },
    );
  } else {
    proc = new Proc(
      `aria2-get${i}`,
      'aria2c',
      aria2Args(opts.port, ['--seed-time=0', `--dir=${out}`, `--bt-exclude-tracker=*`, `--bt-tracker=${tracker.announce}`, ctx.torrent]),
      { cwd: run },
    );
  }
  const t0 = proc.spawnedAt;
  const done = (async () => {
    let doneAt = null;
    let error = null;
    if (tool === 'sta') {
      try {
        doneAt = (await proc.waitFor((e) => e.type === 'complete', o.timeout * 1000 + 5000, '"complete" event')).at;
      } catch (e) {
        error = e.message;
      }
      if (!(await proc.waitExit(15_000))) await proc.stop();
    } else {
      if (!(await proc.waitExit(o.timeout * 1000))) {
        error = `aria2c leecher still running after ${o.timeout} s`;
        await proc.stop();
      } else if (proc.code !== 0) error = `aria2c exited ${proc.code ?? proc.signal}: ${(proc.stdoutTail + proc.stderrTail).trim().slice(-600)}`;
      else doneAt = proc.exitedAt;
    }
    const complete = tool === 'sta' ? proc.events.find((e) => e.type === 'complete') : null;
    return {
      ok: !error,
      error,
      seconds: doneAt === null ? null : (doneAt - t0) / 1000,
      exitSeconds: proc.exitedAt === undefined ? null : (proc.exitedAt - t0) / 1000,
      staSeconds: complete ? complete.seconds : undefined,
      fromPeers: complete ? Object.keys(complete.fromPeers ?? {}).length : undefined,
      file: path.join(out, ctx.name),
    };
  })();
  return { proc, done, t0 };
}

async function verify(file, ctx) {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) return `missing ${file}`;
  if (st.size !== ctx.bytes) return `${file} is ${st.size} bytes, want ${ctx.bytes}`;
  const h = await sha256File(file);
  return h === ctx.sha256 ? null : `${file} SHA-256 ${h} differs from the source's ${ctx.sha256}`;
}

// ---------------------------------------------------------------- one timed run

async function runOnce(o, tool, ctx, kind, round, profDir) {
  const run = fs.mkdtempSync(path.join(ctx.tmp, `${kind}-${tool}-r${round}-`));
  const nSeeders = kind === 'multi' ? o.seeders : 1;
  const nLeechers = kind === 'multi' ? 1 : o.leechers;
  const procs = [];
  const result = { tool, round, kind };
  let seedProbe = null;
  try {
    const tracker = await startTracker(run, `${tool}-${kind}`);
    procs.push(tracker.proc);
    seedProbe = kind === 'crowd' && tool === 'sta' && !profDir ? path.join(run, 'seed-probe.json') : null;
    const seeders = await startSeeders(tool, ctx, tracker, nSeeders, run, profDir, seedProbe);
    procs.push(...seeders);
    settle(o, [ctx.file]);
    const ports = [];
    if (tool === 'aria2') for (let i = 0; i < nLeechers; i++) ports.push(await freePort());
    result.uptime = uptimeLine();
    result.loadavg = loadavg();
    log(`${kind} ${tool} round ${round}: ${result.uptime}`);
    const probe = kind === 'multi' && tool === 'sta' ? path.join(run, 'probe.json') : null;
    const leechers = [];
    if (seedProbe) process.kill(seeders[0].pid, 'SIGUSR2');
    for (let i = 0; i < nLeechers; i++) leechers.push(startLeecher(tool, ctx, tracker, run, i, o, { probe, port: ports[i], profDir }));
    procs.push(...leechers.map((l) => l.proc));
    const cpu = new CpuWatch({ leechers: leechers.map((l) => l.proc), seeders, tracker: [tracker.proc] });
    const t0 = Math.min(...leechers.map((l) => l.t0));
    const outcomes = await Promise.all(leechers.map((l) => l.done));
    const wall = (performance.now() - t0) / 1000;
    result.cpu = cpu.finish(wall);
    result.leechers = outcomes.map(({ file, ...r }) => r);
    const failed = outcomes.find((r) => !r.ok);
    if (failed) throw new Error(failed.error);
    // crowd: leechers all spawn within a few ms; time runs from the first spawn to the last done
    result.seconds = Math.max(...outcomes.map((r, i) => r.seconds + (leechers[i].t0 - t0) / 1000));
    result.rateMBs = (ctx.bytes * nLeechers) / result.seconds / 1e6;
    if (probe) result.probe = JSON.parse(fs.readFileSync(probe, 'utf8'));
    for (const r of outcomes) {
      const bad = await verify(r.file, ctx);
      if (bad) throw new Error(bad);
    }
    result.verified = 'size + SHA-256';
    result.roles = roleStats({ tool, bytes: ctx.bytes, leechers: nLeechers, cpu: result.cpu, seederProcs: seeders, leecherProcs: leechers.map((l) => l.proc) });
    log(
      `  ${tool} ${kind}: ${result.seconds.toFixed(2)} s` +
        (kind === 'multi' ? `, ${(ctx.bytes / result.seconds / 1e6).toFixed(0)} MB/s` : ` (leechers: ${outcomes.map((r) => r.seconds.toFixed(1)).join(' ')})`) +
        `; CPU-s leecher(s) ${result.cpu.leechers.cpuSeconds} (peak ${result.cpu.leechers.peakPct}%), ` +
        `seeders ${result.cpu.seeders.cpuSeconds} (read ${result.cpu.seeders.readMB} MB, wrote ${result.cpu.seeders.writeMB} MB), ` +
        `machine busy ${result.cpu.machineBusyPct}%` +
        (result.probe
          ? `; loop delay max ${result.probe.maxDelayMs.toFixed(1)} ms, RSS +${((result.probe.rssPeak - result.probe.rssStart) / 1e6).toFixed(0)} MB`
          : ''),
    );
    log(`  ${tool} ${kind}: ${roleLine(result.roles)}`);
  } catch (e) {
    result.error = e.message;
    log(`  ${tool} ${kind} round ${round} FAILED: ${e.message}`);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    if (seedProbe && !result.error && fs.existsSync(seedProbe)) {
      result.seedProbe = JSON.parse(fs.readFileSync(seedProbe, 'utf8'));
      const sp = result.seedProbe;
      const growth = ((sp.rssPeak - sp.rssStart) / 1e6).toFixed(0);
      log(`  sta crowd seeder: loop delay max ${sp.maxDelayMs.toFixed(1)} ms (p99 ${sp.p99DelayMs.toFixed(1)}), RSS +${growth} MB`);
    }
    if (!o.keep) fs.rmSync(run, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------- per-scenario preparation

async function prepare(o, tmp, kind, mib) {
  const dir = path.join(tmp, `src-${kind}`);
  fs.mkdirSync(dir);
  const name = `sta-bench-${kind}-${mib}MiB.bin`;
  const file = path.join(dir, name);
  const bytes = mib * MiB;
  let t = performance.now();
  const sha256 = makeRandomFile(file, bytes);
  log(`${kind}: wrote ${mib} MiB of random data in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const ctx = { name, dir, file, bytes, sha256, tmp, cache: path.join(tmp, `cache-${kind}`) };
  // one STA seeder hashes the file into the shared metainfo cache; its catalog entry gives the
  // piece length that the aria2c torrent copies
  const run = fs.mkdtempSync(path.join(tmp, `prep-${kind}-`));
  const tracker = await startTracker(run, 'prep');
  t = performance.now();
  const seed = new Proc(
    'sta-seed-prep',
    node,
    [CLI, 'share', file, '--tracker', tracker.announce, '--host', '127.0.0.1', '--json'],
    { cwd: run, env: { XDG_CACHE_HOME: ctx.cache } },
  );
  try {
    const ev = await seed.waitFor((e) => e.type === 'sharing', 120_000, '"sharing" event');
    ctx.staInfoHash = ev.infoHash;
    ctx.staHashSeconds = (performance.now() - t) / 1000;
    let entry;
    for (let i = 0; i < 50 && !entry; i++) {
      const res = await httpGet(tracker.catalog).catch(() => null);
      entry = res && res.status === 200 ? JSON.parse(res.body.toString()).files.find((f) => f.infoHash === ctx.staInfoHash) : undefined;
      if (!entry) await sleep(100);
    }
    if (!entry) throw new Error('the STA seeder never showed up in the catalog');
    ctx.pieceLength = entry.pieceLength;
  } finally {
    await seed.stop();
    await tracker.proc.stop();
    fs.rmSync(run, { recursive: true, force: true });
  }
  const log2 = Math.round(Math.log2(ctx.pieceLength));
  ctx.torrent = path.join(tmp, `${kind}.torrent`);
  const mk = spawnSync(
    'mktorrent',
    ['-p', '-l', String(log2), '-a', 'http://127.0.0.1:9/announce', '-o', ctx.torrent, file],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (mk.status !== 0) throw new Error(`mktorrent failed: ${mk.stderr || mk.stdout}`);
  ctx.ariaInfoHash = torrentInfoHash(fs.readFileSync(ctx.torrent));
  log(
    `${kind}: STA hashed it in ${ctx.staHashSeconds.toFixed(1)} s, piece length ${ctx.pieceLength / 1024} KiB; ` +
      `aria2c torrent (private, same piece length) ${ctx.ariaInfoHash}`,
  );
  return ctx;
}

/** SHA-1 of the bencoded info dict: the single top-level "4:info" value, found by walking. */
function torrentInfoHash(buf) {
  let i = 0;
  const skip = () => {
    const c = buf[i];
    if (c === 0x69) i = buf.indexOf(0x65, i) + 1; // i...e
    else if (c === 0x6c || c === 0x64) {
      i++;
      while (buf[i] !== 0x65) skip();
      i++;
    } else {
      const colon = buf.indexOf(0x3a, i);
      i = colon + 1 + Number(buf.toString('latin1', i, colon));
    }
  };
  if (buf[i++] !== 0x64) throw new Error('torrent is not a dictionary');
  while (buf[i] !== 0x65) {
    const colon = buf.indexOf(0x3a, i);
    const key = buf.toString('latin1', colon + 1, colon + 1 + Number(buf.toString('latin1', i, colon)));
    i = colon + 1 + key.length;
    const start = i;
    skip();
    if (key === 'info') return crypto.createHash('sha1').update(buf.subarray(start, i)).digest('hex');
  }
  throw new Error('torrent has no info dict');
}

// ---------------------------------------------------------------- CPU profiles

function topSelf(profileFile, n = 10) {
  const prof = JSON.parse(fs.readFileSync(profileFile, 'utf8'));
  const byId = new Map(prof.nodes.map((nd) => [nd.id, nd]));
  const self = new Map();
  let total = 0;
  let idle = 0;
  for (let k = 0; k < prof.samples.length; k++) {
    const nd = byId.get(prof.samples[k]);
    const dt = prof.timeDeltas[k] ?? 0;
    const cf = nd.callFrame;
    if (cf.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    total += dt;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? path.basename(cf.url) + ':' + (cf.lineNumber + 1) : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    top: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pct: Number(((100 * us) / total).toFixed(1)) })),
  };
}

// ---------------------------------------------------------------- report

function fmt(x, digits = 1) {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

function summarize(o, results, ctxs) {
  const rows = [];
  const summary = {};
  const ok = (kind, tool) => results.filter((r) => r.kind === kind && r.tool === tool && !r.error);
  if (ctxs.multi) {
    const c = ctxs.multi;
    const sta = ok('multi', 'sta');
    const aria = ok('multi', 'aria2');
    const staRate = median(sta.map((r) => c.bytes / r.seconds / 1e6));
    const ariaRate = median(aria.map((r) => c.bytes / r.seconds / 1e6));
    const ratio = staRate && ariaRate ? staRate / ariaRate : null;
    summary.multi = {
      bytes: c.bytes,
      pieceLength: c.pieceLength,
      seeders: o.seeders,
      staMBs: staRate,
      aria2MBs: ariaRate,
      staSeconds: median(sta.map((r) => r.seconds)),
      aria2Seconds: median(aria.map((r) => r.seconds)),
      ratio,
      runs: { sta: sta.length, aria2: aria.length },
      met: ratio !== null && ratio >= 2,
    };
    rows.push([
      `(1) ${o.size} MiB, 1 leecher ← ${o.seeders} seeders: MB/s`,
      `${fmt(staRate, 0)} (${fmt(summary.multi.staSeconds, 2)} s)`,
      `${fmt(ariaRate, 0)} (${fmt(summary.multi.aria2Seconds, 2)} s)`,
      ratio === null ? '—' : `${ratio.toFixed(2)}×`,
      `STA ≥ 2× aria2c: ${ratio === null ? '?' : summary.multi.met ? 'met' : 'NOT met'}`,
    ]);
    const probes = sta.map((r) => r.probe).filter(Boolean);
    if (probes.length) {
      const delay = median(probes.map((p) => p.maxDelayMs));
      const worst = Math.max(...probes.map((p) => p.maxDelayMs));
      const p99 = median(probes.map((p) => p.p99DelayMs));
      const growth = median(probes.map((p) => (p.rssPeak - p.rssStart) / 1e6));
      const worstGrowth = Math.max(...probes.map((p) => (p.rssPeak - p.rssStart) / 1e6));
      summary.probe = {
        maxDelayMs: delay,
        worstMaxDelayMs: worst,
        p99DelayMs: p99,
        rssGrowthMB: growth,
        worstRssGrowthMB: worstGrowth,
        rssPeakMB: median(probes.map((p) => p.rssPeak / 1e6)),
        metDelay: delay <= 50,
        metRss: growth <= 150,
      };
      rows.push([
        `(3) STA leecher event-loop delay, max (p99)`,
        `${fmt(delay)} ms (p99 ${fmt(p99)}; worst ${fmt(worst)})`,
        '—',
        '—',
        `≤ 50 ms: ${summary.probe.metDelay ? 'met' : 'NOT met'}`,
      ]);
      rows.push([
        `(3) STA leecher RSS growth (peak − start)`,
        `${fmt(growth, 0)} MB (worst ${fmt(worstGrowth, 0)}; peak ${fmt(summary.probe.rssPeakMB, 0)})`,
        '—',
        '—',
        `≤ 150 MB: ${summary.probe.metRss ? 'met' : 'NOT met'}`,
      ]);
    }
  }
  if (ctxs.crowd) {
    const c = ctxs.crowd;
    const sta = ok('crowd', 'sta');
    const aria = ok('crowd', 'aria2');
    const st = median(sta.map((r) => r.seconds));
    const at = median(aria.map((r) => r.seconds));
    const ratio = st && at ? st / at : null;
    summary.crowd = {
      bytes: c.bytes,
      pieceLength: c.pieceLength,
      leechers: o.leechers,
      staSeconds: st,
      aria2Seconds: at,
      ratio,
      runs: { sta: sta.length, aria2: aria.length },
      met: ratio !== null && ratio <= 0.5,
    };
    rows.splice(1, 0, [
      `(2) flash crowd ${o.crowdSize} MiB, 1 seeder → ${o.leechers}: last done`,
      `${fmt(st, 2)} s`,
      `${fmt(at, 2)} s`,
      ratio === null ? '—' : `${ratio.toFixed(2)}×`,
      `STA ≤ 0.5× aria2c: ${ratio === null ? '?' : summary.crowd.met ? 'met' : 'NOT met'}`,
    ]);
  }
  for (const kind of ['multi', 'crowd']) {
    if (!ctxs[kind]) continue;
    const sta = ok(kind, 'sta').map((r) => r.roles).filter(Boolean);
    const aria = ok(kind, 'aria2').map((r) => r.roles).filter(Boolean);
    const label = kind === 'multi' ? `(1) ${o.size} MiB ← ${o.seeders}` : `(2) crowd ${o.crowdSize} MiB → ${o.leechers}`;
    const roles = (summary.roles ??= {})[kind] = {};
    for (const role of ['leecher', 'seeder']) {
      const key = `${role}CpuPerGiB`;
      const a = median(sta.map((r) => r[key]));
      const b = median(aria.map((r) => r[key]));
      roles[role] = { sta: a, aria2: b, ratio: a && b ? a / b : null, met: a !== null && b !== null && a <= b };
      rows.push([`${label}: ${role} CPU-s per GiB`, fmt(a, 2), fmt(b, 2), roles[role].ratio === null ? '—' : `${roles[role].ratio.toFixed(2)}×`,
        `≤ aria2c: ${roles[role].met ? 'met' : 'NOT met'}`]);
    }
    const cpuAll = (k, tool) => median(ok(k, tool).map((r) => r.cpu.leechers.cpuSeconds + r.cpu.seeders.cpuSeconds));
    const [ca, cb] = [cpuAll(kind, 'sta'), cpuAll(kind, 'aria2')];
    roles.totalCpu = { sta: ca, aria2: cb, ratio: ca && cb ? ca / cb : null };
    const cpuRatio = ca && cb ? `${(ca / cb).toFixed(2)}×` : '—';
    rows.push([`${label}: CPU-s, leechers + seeders`, fmt(ca, 1), fmt(cb, 1), cpuRatio, kind === 'crowd' ? '≤ 1.0× aria2c' : '—']);
    if (kind !== 'crowd') continue;
    const split = (rs) => `${fmt(median(rs.map((r) => r.fromSeedersBytes / 1e6)), 0)} / ${fmt(median(rs.map((r) => r.betweenLeechersBytes / 1e6)), 0)} MB`;
    const own = sta.map((r) => r.staStats).filter(Boolean);
    roles.split = { sta: sta.map((r) => [r.fromSeedersBytes, r.betweenLeechersBytes]), aria2: aria.map((r) => [r.fromSeedersBytes, r.betweenLeechersBytes]) };
    rows.push([`${label}: MB from the seeder / between leechers`, `${split(sta)}${own.length ? ` (own stats ${split(own)})` : ''}`, split(aria), '—', '—']);
    const probes = ok(kind, 'sta').map((r) => r.seedProbe).filter(Boolean);
    if (probes.length) {
      const delay = median(probes.map((p) => p.maxDelayMs));
      const growth = median(probes.map((p) => (p.rssPeak - p.rssStart) / 1e6));
      summary.seedProbe = { maxDelayMs: delay, rssGrowthMB: growth, metDelay: delay <= 50, metRss: growth <= 150 };
      rows.push([`${label}: STA seeder event-loop delay max, RSS growth`, `${fmt(delay)} ms, ${fmt(growth, 0)} MB`, '—', '—',
        `≤ 50 ms: ${delay <= 50 ? 'met' : 'NOT met'}; ≤ 150 MB: ${growth <= 150 ? 'met' : 'NOT met'}`]);
    }
  }
  const table = ['| scenario | STA | aria2c | ratio | target |', '| --- | --- | --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  return { summary, table };
}

/** The live-repository section (bench/live-repo.js, its own process and results file); a failure entry if it failed. */
function runLiveRepo(o) {
  const args = o.quick ? ['--files', '2000', '--idle', '20', '--update-mib', '256'] : [];
  console.log(`\nlive repository: node bench/live-repo.js ${args.join(' ')}`);
  const r = spawnSync(node, [path.join(__dirname, 'live-repo.js'), ...args], { stdio: 'inherit' });
  return r.status === 0 ? [] : [{ kind: 'live', tool: 'sta', round: 1, error: `bench/live-repo.js exited with ${r.status ?? r.signal}` }];
}

// ---------------------------------------------------------------- main

async function main() {
  const o = options();
  if (o.scenarios.every((k) => k === 'live')) return runLiveRepo(o).length ? 1 : 0; // peers.json is left as it was
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`node esbuild.js --production\` (npm run bench does)`);
  for (const tool of ['aria2c', 'mktorrent']) if (spawnSync(tool, ['--version']).error) throw new Error(`${tool} is not installed`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-bench-peers-'));
  const cleanup = () => {
    killAllSync();
    if (!o.keep) fs.rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      cleanup();
      process.exit(130);
    });
  }
  const started = new Date();
  const t0 = performance.now();
  log(`temp dir ${tmp}; ${os.cpus().length} CPUs; ${uptimeLine()}`);
  const results = [];
  const ctxs = {};
  let profiles;
  try {
    for (const kind of o.scenarios.filter((k) => k !== 'live')) {
      ctxs[kind] = await prepare(o, tmp, kind, kind === 'multi' ? o.size : o.crowdSize);
      for (let round = 1; round <= o.rounds; round++) {
        const order = round % 2 ? ['sta', 'aria2'] : ['aria2', 'sta'];
        for (const tool of order) results.push(await runOnce(o, tool, ctxs[kind], kind, round));
      }
      if (o.cpuProf) {
        fs.mkdirSync(o.cpuProf, { recursive: true });
        log(`profiling one extra STA ${kind} run (untimed) into ${o.cpuProf}`);
        const r = await runOnce(o, 'sta', ctxs[kind], kind, 'prof', o.cpuProf);
        (profiles ??= {})[kind] = { run: { seconds: r.seconds, error: r.error, cpu: r.cpu } };
        for (const who of ['leecher', 'seeder']) {
          const f = path.join(o.cpuProf, `${who}-${ctxs[kind].name}.cpuprofile`);
          if (fs.existsSync(f)) profiles[kind][who] = { file: f, ...topSelf(f) };
        }
      }
      if (!o.keep) fs.rmSync(ctxs[kind].dir, { recursive: true, force: true });
    }
  } finally {
    cleanup();
  }
  const { summary, table } = summarize(o, results, ctxs);
  const doc = {
    startedAt: started.toISOString(),
    wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      aria2: (spawnSync('aria2c', ['--version'], { encoding: 'utf8' }).stdout || '').split('\n')[0],
    },
    options: o,
    pageCache: o.dropCaches
      ? dropCachesNote ?? 'sync + drop_caches before every timed run, then the source file read back in'
      : 'not dropped (--no-drop-caches)',
    units: 'MB = 10^6 bytes; seconds from leecher spawn to verified file (STA "complete" event; aria2c exit 0)',
    scenarios: Object.fromEntries(
      Object.entries(ctxs).map(([k, c]) => [
        k,
        { bytes: c.bytes, pieceLength: c.pieceLength, staInfoHash: c.staInfoHash, aria2InfoHash: c.ariaInfoHash, staHashSeconds: c.staHashSeconds },
      ]),
    ),
    summary,
    runs: results,
    profiles,
  };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, JSON.stringify(doc, null, 2) + '\n');
  console.log(table);
  for (const [kind, prof] of Object.entries(profiles ?? {})) {
    for (const who of ['leecher', 'seeder']) {
      const p = prof[who];
      if (!p) continue;
      console.log(
        `\nSTA ${kind} ${who} (run took ${fmt(prof.run.seconds, 2)} s profiled) ${p.file}: ` +
          `${p.busyMs} ms busy, ${p.idleMs} ms idle; top self time (% of busy):`,
      );
      for (const t of p.top) console.log(`  ${String(t.ms).padStart(6)} ms ${t.pct.toFixed(1).padStart(5)}%  ${t.fn}`);
    }
  }
  const failures = results.filter((r) => r.error);
  if (o.scenarios.includes('live')) failures.push(...runLiveRepo(o));
  if (failures.length) {
    console.log(`\n${failures.length} run(s) failed: ${failures.map((r) => `${r.kind}/${r.tool}/r${r.round}: ${r.error.slice(0, 200)}`).join('; ')}`);
  }
  const cacheNote = dropCachesNote ?? (o.dropCaches ? 'page cache dropped before every run' : 'page cache not dropped');
  console.log(`\n${cacheNote}; results in ${path.relative(ROOT, RESULTS)}; ${doc.wallSeconds} s`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    killAllSync();
    console.error(`bench/peers.js: ${e.stack || e.message}`);
    process.exit(1);
  },
);
