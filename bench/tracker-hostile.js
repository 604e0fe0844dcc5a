#!/usr/bin/env node
// The tracker under hostile load (issue 8): its RSS over time and the latency of honest announces
// while one client pipelines GET /catalog requests it never reads and another sends 100,000
// random-hash announces as fast as it can. Everything on loopback, each client from its own
// source address (127.0.0.2–.5) and the flooder and the honest client in processes of their own
// (so neither's event loop delays the other's timing), bounded in count and time.
//
//   node esbuild.js && node bench/tracker-hostile.js [--announces 100000] [--seconds 60] [--minSeconds 20]
//   STA_CLI=/tmp/sta-i7/dist/cli.js node bench/tracker-hostile.js     (another build)
//
// Prints a table and one JSON line ("RESULT {...}").
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const CLI = process.env.STA_CLI || path.resolve(__dirname, '..', 'dist', 'cli.js');
const HONEST = '127.0.0.3';
const PIPELINER = '127.0.0.2';
const FLOODER = '127.0.0.4';
const PUBLISHER = '127.0.0.5';

function options() {
  const o = { announces: 100_000, seconds: 60, minSeconds: 20, files: 500, flooders: 32, honestPerSecond: 5, role: 0, port: 0, until: 0 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-zA-Z]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in o)) throw new Error(`unknown option ${argv[i]} (known: ${Object.keys(o).join(', ')})`);
    o[m[1]] = Number(m[2] ?? argv[++i]);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (b) => [...b].map((x) => '%' + x.toString(16).padStart(2, '0')).join('');
const rss = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

/** The few bencode shapes a .torrent needs. */
function bencode(v) {
  if (Buffer.isBuffer(v)) return Buffer.concat([Buffer.from(`${v.length}:`), v]);
  if (typeof v === 'string') return bencode(Buffer.from(v));
  if (typeof v === 'number') return Buffer.from(`i${v}e`);
  const keys = Object.keys(v).sort();
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(v[k])]), Buffer.from('e')]);
}

/** One request on a fresh connection from `from`; resolves with status and body bytes. */
function request(port, from, head, body = Buffer.alloc(0), timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    const chunks = [];
    const timer = setTimeout(() => s.destroy(new Error('timeout')), timeoutMs);
    s.on('connect', () => s.end(Buffer.concat([Buffer.from(head), body])));
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => ((s.failed = e.message), undefined));
    s.on('close', () => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data.subarray(0, 12).toString('latin1'));
      resolve({ status: m ? Number(m[1]) : 0, error: s.failed, body: data.subarray(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

const announceHead = (ih, id, port, connection = 'close') =>
  `GET /announce?info_hash=${pct(ih)}&peer_id=${pct(id)}&port=${port}&uploaded=0&downloaded=0&left=1000&compact=1 HTTP/1.1\r\n` +
  `Host: t\r\nConnection: ${connection}\r\n\r\n`;

async function startTracker() {
  const args = [CLI, 'tracker', '--host', '127.0.0.1', '--port', '0', '--interval', '60', '--json'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', () => undefined);
  const line = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => (out += c).includes('\n') && resolve(out.slice(0, out.indexOf('\n'))));
    child.once('exit', (code) => reject(new Error(`tracker exited ${code}`)));
    setTimeout(() => reject(new Error('tracker did not start')), 15_000).unref();
  });
  return { child, port: Number(new URL(JSON.parse(line).announce).port) };
}

/** Pipelines `GET /catalog` on fresh connections and never reads; a new connection each second. */
function pipeliner(port, until) {
  const socks = [];
  let sent = 0;
  const open = () => {
    if (Date.now() >= until) return;
    const s = net.connect({ port, host: '127.0.0.1', localAddress: PIPELINER });
    s.on('error', () => undefined);
    s.on('connect', () => {
      s.pause(); // never read
      const reqs = 'GET /catalog HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(256); // ~9 KB
      s.write(reqs);
      sent += reqs.length;
    });
    socks.push(s);
    setTimeout(open, 1000);
  };
  open();
  return { stop: () => socks.forEach((s) => s.destroy()), sent: () => sent };
}

/** A keep-alive connection from `from` that sends one request at a time; `closed` once the tracker closes it. */
function keepAlive(port, from) {
  const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
  const c = { closed: false, pending: null, data: Buffer.alloc(0) };
  const settle = (status) => {
    const p = c.pending;
    c.pending = null;
    c.data = Buffer.alloc(0);
    if (p) p(status);
  };
  s.on('data', (d) => {
    c.data = Buffer.concat([c.data, d]);
    const end = c.data.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = c.data.subarray(0, end).toString('latin1');
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (c.data.length < end + 4 + len) return;
    if (/connection: *close/i.test(head)) c.closed = true; // the tracker closes after this answer
    settle(Number(head.slice(9, 12)));
  });
  s.on('error', () => undefined);
  s.on('close', () => {
    c.closed = true;
    settle(0);
  });
  c.send = (text) => new Promise((resolve) => {
    c.pending = resolve;
    s.write(text);
  });
  c.destroy = () => s.destroy();
  return c;
}

/** Random-hash announces as fast as possible over `n` keep-alive connections (reopened when closed). */
async function flooder(port, total, n, until) {
  const stats = { sent: 0, served: 0, refused: 0, errors: 0, statuses: {} };
  const id = crypto.randomBytes(20);
  const loop = async () => {
    let c = keepAlive(port, FLOODER);
    while (stats.sent < total && Date.now() < until) {
      if (c.closed) {
        c.destroy();
        c = keepAlive(port, FLOODER);
      }
      stats.sent++;
      const status = await c.send(announceHead(crypto.randomBytes(20), id, 6881, 'keep-alive'));
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (status === 200) stats.served++;
      else if (status >= 400) stats.refused++;
      else stats.errors++;
    }
    c.destroy();
  };
  await Promise.all(Array.from({ length: n }, loop));
  return stats;
}

/** Honest announces from their own process, a few a second, until `until` or until stdin ends. */
async function honest(port, perSecond, until) {
  const latencies = [];
  let errors = 0;
  let stopped = false;
  process.stdin.on('end', () => (stopped = true)).resume();
  const ih = crypto.randomBytes(20);
  const id = crypto.randomBytes(20);
  while (!stopped && Date.now() < until) {
    const start = performance.now();
    const r = await request(port, HONEST, announceHead(ih, id, 7000));
    if (r.status === 200) latencies.push(performance.now() - start);
    else errors++;
    await sleep(1000 / perSecond);
  }
  return { latencies, errors };
}

/** Runs this script as role `role` (1 flood, 2 honest) in a child process; `done` is its result, stop() ends its stdin. */
function runRole(role, o, port, until) {
  const args = [__filename, '--role', String(role), '--port', String(port), '--until', String(until), '--announces', String(o.announces)];
  const child = spawn(process.execPath, [...args, '--flooders', String(o.flooders)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const done = new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`role ${role} exited ${code}`))));
  });
  return { done, stop: () => child.stdin.end() };
}

async function main() {
  const o = options();
  if (o.role === 1) return console.log(JSON.stringify(await flooder(o.port, o.announces, o.flooders, o.until)));
  if (o.role === 2) return console.log(JSON.stringify(await honest(o.port, o.honestPerSecond, o.until)));
  const { child, port } = await startTracker();
  const samples = [];
  const sampler = setInterval(() => samples.push(rss(child.pid)), 250);
  try {
    for (let i = 0; i < o.files; i++) {
      const name = `file-${i}.bin`;
      const info = { length: 1000 + i, name, 'piece length': 16384, pieces: crypto.randomBytes(20) };
      const t = bencode({ announce: 'http://127.0.0.1:1/announce', info });
      const head = `POST /catalog?path=${'d'.repeat(200)}/${name} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: ${t.length}\r\n\r\n`;
      const r = await request(port, PUBLISHER, head, t);
      if (r.status !== 201) throw new Error(`publish ${i}: ${r.status} ${r.body}`);
    }
    await sleep(500);
    const rssStart = rss(child.pid);
    samples.length = 0;
    const t0 = Date.now();
    const until = t0 + o.seconds * 1000;
    const pipe = pipeliner(port, until);
    const honestRun = runRole(2, o, port, until);
    const f = await runRole(1, o, port, until).done;
    const seconds = (Date.now() - t0) / 1000;
    // the same length of run for a tracker that serves the flood fast: honest client and pipeliner go on
    await sleep(t0 + o.minSeconds * 1000 - Date.now());
    honestRun.stop();
    const h = await honestRun.done;
    const runSeconds = Number(((Date.now() - t0) / 1000).toFixed(1));
    pipe.stop();
    await sleep(1000);
    const rssEnd = rss(child.pid);
    const latencies = h.latencies.sort((a, b) => a - b);
    const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    const MiB = (b) => (b / 2 ** 20).toFixed(1);
    const result = {
      cli: CLI,
      seconds: Number(seconds.toFixed(1)),
      runSeconds,
      rssMiB: { start: MiB(rssStart), max: MiB(Math.max(rssStart, ...samples)), end: MiB(rssEnd) },
      honest: { n: latencies.length, errors: h.errors, p50: q(0.5).toFixed(1), p99: q(0.99).toFixed(1), max: q(1).toFixed(1) },
      flood: { sent: f.sent, served: f.served, refused: f.refused, errors: f.errors, servedPerSecond: Math.round(f.served / seconds), statuses: f.statuses },
      pipelinedBytes: pipe.sent(),
    };
    console.log(`tracker: ${CLI} (run of ${runSeconds} s)`);
    console.log(`RSS MiB        start ${result.rssMiB.start}  max ${result.rssMiB.max}  end ${result.rssMiB.end}`);
    console.log(`honest (ms)    n ${latencies.length}  p50 ${result.honest.p50}  p99 ${result.honest.p99}  max ${result.honest.max}  errors ${h.errors}`);
    const served = `${f.served} served (${result.flood.servedPerSecond}/s)`;
    console.log(`flood          ${f.sent} sent in ${result.seconds} s: ${served}, ${f.refused} refused, ${f.errors} errors ${JSON.stringify(f.statuses)}`);
    console.log(`pipelined      ${(pipe.sent() / 1024).toFixed(0)} KiB of GET /catalog, never read`);
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
