#!/usr/bin/env node
// Tracker benchmark: announces/s of STA's tracker against opentracker, in the same run.
//
//   npm run bench:tracker            (builds dist/ first)
//   node bench/tracker.js [--duration 10] [--warmup 2] [--rounds 3] [--hashes 1000]
//                         [--threads 2] [--connections 50] [--slots 50]
//
// Load: wrk (bench/tracker-announce.lua) sends BEP 3 announces over N random info-hashes
// (all whitelisted for opentracker), SLOTS peers per swarm, half seeders, compact=1,
// numwant=50, event=started on one in ten. Modes: "close" (Connection: close, one TCP
// connection per request; opentracker has no keep-alive) against both trackers, then
// "keepalive" against STA alone. Rounds are interleaved; figures are medians over rounds.
// A run counts only if it has no more than 1% errors (non-200, `failure reason`, socket).
// Results: a table on stdout and bench/results/tracker.json. Everything on 127.0.0.1.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('../test/helpers/freePort');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const LUA = path.join(__dirname, 'tracker-announce.lua');
const RESULTS = path.join(__dirname, 'results', 'tracker.json');
const MAX_ERROR_SHARE = 0.01;

function options() {
  const o = { duration: 10, warmup: 2, rounds: 3, hashes: 1000, threads: 2, connections: 50, slots: 50, peers: 1000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in o)) throw new Error(`unknown option ${argv[i]} (known: ${Object.keys(o).join(', ')})`);
    const v = Number(m[2] ?? argv[++i]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${m[1]} wants a non-negative integer`);
    o[m[1]] = v;
  }
  if (o.peers % 2 !== 0 || o.slots > o.peers) throw new Error('--peers must be even and at least --slots');
  return o;
}

/** RFC 3986: unreserved bytes stay, every other byte becomes %XX. */
function percentEncode(buf) {
  let s = '';
  for (const b of buf) {
    const c = String.fromCharCode(b);
    s += /[A-Za-z0-9.\-_~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForPort(port, child, ms = 10_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode} before listening`);
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${ms} ms`);
}

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { Connection: 'close' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      })
      .on('error', reject)
      .setTimeout(5000, function () {
        this.destroy(new Error(`GET ${url} timed out`));
      });
  });
}

/** utime + stime of a process in seconds, from /proc (Linux). */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
  } catch {
    return NaN;
  }
}

const children = new Set();

function start(name, cmd, args, cwd) {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.output = '';
  const keep = (d) => {
    if (child.output.length < 64 * 1024) child.output += d.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (e) => (child.output += `spawn error: ${e.message}\n`));
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
  await gone;
  clearTimeout(t);
}

function killAllSync() {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {}
  }
}

function wrk(o, url, files, mode, seconds) {
  return new Promise((resolve, reject) => {
    const args = [
      `-t${o.threads}`,
      `-c${o.connections}`,
      `-d${seconds}s`,
      '--timeout',
      '5s',
      '-s',
      LUA,
      url,
      '--',
      files.hashes,
      files.peers,
      mode,
      String(o.slots),
    ];
    const w = start('wrk', 'wrk', args, ROOT);
    const kill = setTimeout(() => process.kill(w.pid, 'SIGKILL'), (seconds + 20) * 1000);
    w.on('exit', (code) => {
      clearTimeout(kill);
      const line = w.output.split('\n').find((l) => l.startsWith('WRKJSON '));
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}):\n${w.output}`));
      resolve(JSON.parse(line.slice(8)));
    });
  });
}

async function measure(o, target, mode, files, round) {
  const before = cpuSeconds(target.child.pid);
  const r = await wrk(o, target.url, files, mode, o.duration);
  const seconds = r.duration_us / 1e6;
  const cpu = cpuSeconds(target.child.pid) - before;
  // A server that closes after each response without sending `Connection: close` (opentracker)
  // makes wrk count one read error per connection: it reads EOF where it expected the next
  // response. Those follow a complete, counted response and are reported apart, not as errors.
  const closedAfterResponse = mode === 'close' ? Math.min(r.read_errors, r.ok) : 0;
  const errors = r.bad_status + r.failures + r.connect_errors + (r.read_errors - closedAfterResponse) + r.write_errors + r.timeouts;
  const valid = r.ok > 0 && errors <= MAX_ERROR_SHARE * (r.ok + errors);
  return {
    target: target.name,
    mode,
    round,
    announcesPerSec: Math.round(r.ok / seconds),
    ok: r.ok,
    errors,
    errorDetail: {
      status: r.bad_status,
      failureReason: r.failures,
      connect: r.connect_errors,
      read: r.read_errors - closedAfterResponse,
      write: r.write_errors,
      timeout: r.timeouts,
    },
    closedAfterResponse,
    valid,
    seconds: Math.round(seconds * 100) / 100,
    serverCpuPercent: Math.round((cpu / seconds) * 100),
    // less sensitive than announces/s to what else shares the CPU (wrk, other jobs)
    serverCpuUsPerAnnounce: Math.round((cpu / r.ok) * 1e6),
    latencyP50Ms: r.latency_p50_us / 1000,
    latencyP99Ms: r.latency_p99_us / 1000,
  };
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
}

async function main() {
  const o = options();
  for (const cmd of ['wrk', 'opentracker']) if (!which(cmd)) throw new Error(`${cmd} is not installed (see /work/shared/interop.md)`);
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node esbuild.js --production` (npm run bench:tracker does)');

  const loadBefore = os.loadavg();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-bench-tracker-'));
  fs.chmodSync(tmp, 0o755); // opentracker chroots here and drops to nobody
  const cleanup = () => {
    killAllSync();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  process.once('SIGTERM', () => (cleanup(), process.exit(143)));

  try {
    const hashes = Array.from({ length: o.hashes }, () => crypto.randomBytes(20));
    const peerIds = Array.from({ length: o.peers }, () => Buffer.concat([Buffer.from('-BN0001-'), crypto.randomBytes(12)]));
    const files = { hashes: path.join(tmp, 'hashes.txt'), peers: path.join(tmp, 'peers.txt') };
    fs.writeFileSync(path.join(tmp, 'whitelist.txt'), hashes.map((h) => h.toString('hex')).join('\n') + '\n');
    fs.writeFileSync(files.hashes, hashes.map(percentEncode).join('\n') + '\n');
    fs.writeFileSync(files.peers, peerIds.map(percentEncode).join('\n') + '\n');

    const otPort = await freePort();
    const ot = start(
      'opentracker',
      'opentracker',
      ['-i', '127.0.0.1', '-p', String(otPort), '-P', String(otPort), '-w', '/whitelist.txt', '-d', tmp, '-u', 'nobody'],
      tmp,
    );
    const staPort = await freePort();
    // wrk announces from one address far faster than any peer: the per-address rate limit is off
    const rateOff = ['--announce-rate', '0'];
    // a long interval, like opentracker's 30 min, so no peer expires during the run
    const staArgs = [CLI, 'tracker', '--host', '127.0.0.1', '--port', String(staPort), '--interval', '1800', ...rateOff, '--json'];
    const sta = start('sta', process.execPath, staArgs, ROOT);
    await waitForPort(otPort, ot);
    await waitForPort(staPort, sta);
    const targets = {
      opentracker: { name: 'opentracker', child: ot, url: `http://127.0.0.1:${otPort}/announce` },
      sta: { name: 'sta', child: sta, url: `http://127.0.0.1:${staPort}/announce` },
    };

    // one announce each, so a broken setup (whitelist, build) fails loudly before the load
    const probe =
      `?info_hash=${percentEncode(hashes[0])}&peer_id=${percentEncode(peerIds[0])}` +
      '&port=10000&uploaded=0&downloaded=0&left=0&compact=1&numwant=50&event=started';
    for (const t of Object.values(targets)) {
      let res;
      for (let i = 0; i < 20; i++) {
        res = await get(t.url + probe); // opentracker loads its whitelist in the background
        if (res.status === 200 && !res.body.includes('failure reason')) break;
        await sleep(100);
      }
      if (res.status !== 200 || res.body.includes('failure reason')) {
        throw new Error(`${t.name} refused the probe announce: ${res.status} ${res.body.toString('latin1').slice(0, 200)}`);
      }
    }

    console.log(
      `tracker bench: ${o.hashes} info-hashes, ${o.slots} peers/swarm, ` +
        `wrk ${o.threads} threads x ${o.connections} connections, ${o.duration} s per run, ${o.rounds} rounds`,
    );
    if (o.warmup > 0) {
      for (const [t, mode] of [[targets.opentracker, 'close'], [targets.sta, 'close'], [targets.sta, 'keepalive']]) {
        await wrk(o, t.url, files, mode, o.warmup);
      }
    }

    const runs = [];
    const plan = [[targets.opentracker, 'close'], [targets.sta, 'close'], [targets.sta, 'keepalive']];
    for (let round = 1; round <= o.rounds; round++) {
      for (const [t, mode] of plan) {
        const r = await measure(o, t, mode, files, round);
        runs.push(r);
        const flag = r.valid ? '' : '  INVALID (too many errors)';
        console.log(
          `  round ${round} ${t.name.padEnd(11)} ${mode.padEnd(9)} ${String(r.announcesPerSec).padStart(7)}/s  errors ${r.errors}  ` +
            `server CPU ${r.serverCpuPercent}% (${r.serverCpuUsPerAnnounce} us/announce)${flag}`,
        );
      }
    }
    const staRss = rssMiB(sta.pid);

    const summary = plan.map(([t, mode]) => {
      const mine = runs.filter((r) => r.target === t.name && r.mode === mode);
      const valid = mine.filter((r) => r.valid);
      return {
        target: t.name,
        mode,
        announcesPerSec: median(valid.map((r) => r.announcesPerSec)),
        validRuns: valid.length,
        runs: mine.length,
        errors: mine.reduce((n, r) => n + r.errors, 0),
        serverCpuPercent: median(mine.map((r) => r.serverCpuPercent)),
        serverCpuUsPerAnnounce: median(valid.map((r) => r.serverCpuUsPerAnnounce)),
        latencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
      };
    });
    const base = summary.find((s) => s.target === 'opentracker' && s.mode === 'close').announcesPerSec;
    for (const s of summary) s.ratioToOpentrackerClose = Math.round((s.announcesPerSec / base) * 100) / 100;

    console.log('');
    console.log('| target      | mode      | announces/s | errors | valid runs | server CPU | CPU us/announce | p99 ms | STA/opentracker (close) |');
    console.log('|-------------|-----------|-------------|--------|------------|------------|-----------------|--------|-------------------------|');
    for (const s of summary) {
      const ratio =
        s.target === 'opentracker' ? '1.00 (baseline)' : `${s.ratioToOpentrackerClose.toFixed(2)}x${s.mode === 'keepalive' ? ' (keep-alive vs close)' : ''}`;
      const cells = [
        s.target.padEnd(11),
        s.mode.padEnd(9),
        String(s.announcesPerSec).padStart(11),
        String(s.errors).padStart(6),
        `${s.validRuns}/${s.runs}`.padStart(10),
        `${s.serverCpuPercent}%`.padStart(10),
        String(s.serverCpuUsPerAnnounce).padStart(15),
        String(s.latencyP99Ms).padStart(6),
        ratio.padEnd(23),
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
    console.log('');
    console.log(`announces/s = median over valid runs of successful (200, no "failure reason") responses per second; STA RSS after the run: ${staRss} MiB.`);
    console.log(
      `load average before the run: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}${loadBefore[0] > 0.5 ? ' (other jobs were running: expect noise)' : ''}`,
    );
    console.log(`caveat: this machine has ${os.cpus().length} cores and wrk (${o.threads} threads, Lua per request) runs on them too, so every`);
    console.log('figure is "tracker + load generator sharing the CPU", not the tracker alone; compare ratios from the same run.');
    console.log('opentracker answers one request per connection (no keep-alive), so the keep-alive row has no like-for-like baseline;');
    console.log('it also closes without `Connection: close`, so wrk reads EOF once per connection: not counted as errors.');

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverageBefore: loadBefore },
      options: o,
      caveat: 'wrk shares the CPU with the tracker under test; figures are for tracker + load generator on one machine',
      summary,
      runs,
      staRssMiB: staRss,
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, JSON.stringify(result, null, 2) + '\n');
    console.log(`results: ${path.relative(ROOT, RESULTS)}`);

    await stop(sta);
    await stop(ot);
    return summary.every((s) => s.validRuns > 0) ? 0 : 1;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench:tracker failed: ${e.stack ?? e}`);
    for (const c of children) if (c.output) console.error(`--- ${c.label} output ---\n${c.output.slice(-2000)}`);
    killAllSync();
    process.exit(1);
  },
);
