#!/usr/bin/env node
// Silent-socket benchmark: how long an honest peer waits for its first block from an STA seeder
// while one address holds 64, 128 or 256 silent sockets open to it (and reopens any that close).
//
//   node bench/peer-hostile.js [--sockets 64,128,256] [--rounds 3] [--timeout SEC]
//   STA_CLI=/tmp/sta-i7/dist/cli.js node bench/peer-hostile.js     (another build of the CLI)
//
// All on loopback: the seeder is `sta share` on 127.0.0.1 (tracker URL points at nothing), the
// attacker connects from 127.0.0.1, the honest peer from 127.0.0.2 (Linux routes 127.0.0.0/8).
// The honest peer is a raw BitTorrent client: handshake, interested, one request once unchoked;
// a refused or closed connection is retried after 250 ms. Time = first connect → first block.
// Bounded: at most TIMEOUT seconds per round, and the attacker reopens at most 10 × N sockets.
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const CLI = path.resolve(process.env.STA_CLI || path.join(__dirname, '..', 'dist', 'cli.js'));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const COUNTS = (args.sockets || '64,128,256').split(',').map(Number);
const ROUNDS = Number(args.rounds || 3);
const TIMEOUT_MS = Number(args.timeout || 20) * 1000;
const BLOCK = 16 * 1024;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function frame(id, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32BE(1 + payload.length, 0);
  b[4] = id;
  payload.copy(b, 5);
  return b;
}

function handshake(infoHash) {
  const peerId = Buffer.concat([Buffer.from('-XX0001-'), crypto.randomBytes(12)]);
  return Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(8), infoHash, peerId]);
}

/** `sta share FILE` on 127.0.0.1; resolves with its port, info-hash and a stop function. */
async function startSeeder(file, cacheDir) {
  const child = spawn(process.execPath, [CLI, 'share', file, '--tracker', 'http://127.0.0.1:9/announce', '--host', '127.0.0.1', '--json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, XDG_CACHE_HOME: cacheDir },
  });
  const lines = readline.createInterface({ input: child.stdout });
  let port = 0;
  const infoHash = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('seeder did not start within 30 s')), 30_000);
    lines.on('line', (line) => {
      const e = JSON.parse(line);
      if (e.type === 'listening') port = e.port;
      if (e.type === 'sharing') {
        clearTimeout(timer);
        resolve(Buffer.from(e.infoHash, 'hex'));
      }
    });
    child.once('exit', (code) => reject(new Error(`seeder exited with ${code}`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return { port, infoHash, stop };
}

/** N silent sockets from 127.0.0.1, each reopened 100 ms after it closes, at most 10 × N reopens in all. */
function attacker(port, n) {
  const live = new Set();
  let reopens = 0;
  let running = true;
  const open = () => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
    live.add(s);
    s.on('error', () => undefined);
    s.on('close', () => {
      live.delete(s);
      if (running && reopens < 10 * n) {
        reopens++;
        setTimeout(() => running && open(), 100);
      }
    });
  };
  for (let i = 0; i < n; i++) open();
  return {
    open: () => [...live].filter((s) => !s.connecting && !s.destroyed).length,
    reopens: () => reopens,
    stop: () => {
      running = false;
      for (const s of live) s.destroy();
    },
  };
}

/** One honest attempt from 127.0.0.2: resolves 'block' once the first block arrives, else why it ended. */
function honestAttempt(port, infoHash, deadline) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    let buf = Buffer.alloc(0);
    let shaken = false;
    const done = (why) => {
      clearTimeout(timer);
      s.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done('timeout'), Math.max(0, deadline - Date.now()));
    s.on('error', () => done('error'));
    s.on('close', () => done('closed'));
    s.on('connect', () => s.write(Buffer.concat([handshake(infoHash), frame(2)])));
    s.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (!shaken) {
        if (buf.length < 68) return;
        buf = buf.subarray(68);
        shaken = true;
      }
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        const id = len > 0 ? buf[4] : -1;
        buf = buf.subarray(4 + len);
        if (id === 1) {
          const req = Buffer.alloc(12);
          req.writeUInt32BE(BLOCK, 8);
          s.write(frame(6, req));
        }
        if (id === 7) return done('block');
      }
    });
  });
}

/** ms from the first connect to the first block (retrying refused connections), and attempts made. */
async function honestPeer(port, infoHash) {
  const started = Date.now();
  const deadline = started + TIMEOUT_MS;
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    if ((await honestAttempt(port, infoHash, deadline)) === 'block') return { ms: Date.now() - started, attempts };
    await sleep(250);
  }
  return { ms: Infinity, attempts };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms === Infinity ? `> ${TIMEOUT_MS / 1000} s` : `${ms} ms`);

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-bench-hostile-'));
  const file = path.join(tmp, 'payload.bin');
  fs.writeFileSync(file, crypto.randomBytes(4 * 1024 * 1024));
  console.log(`CLI: ${CLI}\nsilent sockets from 127.0.0.1; honest peer from 127.0.0.2; ${ROUNDS} rounds; timeout ${TIMEOUT_MS / 1000} s\n`);
  const rows = [];
  try {
    for (const n of COUNTS) {
      const seeder = await startSeeder(file, path.join(tmp, 'cache'));
      try {
        const times = [];
        const attempts = [];
        const held = [];
        for (let r = 0; r < ROUNDS; r++) {
          const a = attacker(seeder.port, n);
          await sleep(500); // every socket connected (or refused) before the honest peer tries
          const got = await honestPeer(seeder.port, seeder.infoHash);
          held.push(a.open());
          a.stop();
          times.push(got.ms);
          attempts.push(got.attempts);
          await sleep(300);
        }
        rows.push({ n, median: median(times), worst: Math.max(...times), attempts: median(attempts), held: median(held) });
      } finally {
        await seeder.stop();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log('| silent sockets | connect → first block (median) | worst | honest attempts (median) | silent sockets still open (median) |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.n} | ${fmt(r.median)} | ${fmt(r.worst)} | ${r.attempts} | ${r.held} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
