// The live-repository bench's update section: a big file with 1 MiB rewritten in place, fetched again
// by a peer holding the old version with `sta get --if-exists update`: how many bytes move.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { log, httpGet, Proc } = require('./benchKit');

const MiB = 1024 * 1024;

/** Does this `sta get` know `--if-exists update` (being built)? */
function hasUpdateMode(cli) {
  const help = spawnSync(process.execPath, [cli, 'get', '--help'], { encoding: 'utf8' }).stdout || '';
  return /--if-exists[^\n]*update/.test(help);
}

function writeRandomFile(file, bytes) {
  const buf = Buffer.allocUnsafe(16 * MiB);
  const fd = fs.openSync(file, 'w');
  try {
    for (let done = 0; done < bytes; done += buf.length) fs.writeSync(fd, crypto.randomFillSync(buf), 0, Math.min(buf.length, bytes - done));
  } finally {
    fs.closeSync(fd);
  }
}

async function listedHash(catalogUrl, relPath) {
  const res = await httpGet(catalogUrl).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  return JSON.parse(res.body.toString('utf8')).files.find((f) => f.path === relPath)?.infoHash;
}

/** Polls the catalog (bounded) until `relPath` is listed with a hash other than `not`. */
async function waitListed(catalogUrl, relPath, not, ms) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const h = await listedHash(catalogUrl, relPath);
    if (h && h !== not) return h;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${relPath} not listed${not ? ' in a new version' : ''} within ${ms} ms`);
}

async function get(cli, announce, out, extra, tag, ms) {
  const p = new Proc(`get-${tag}`, process.execPath, [cli, 'get', 'big.bin', '--tracker', announce, '--out', out, '--host', '127.0.0.1', '--json', ...extra]);
  try {
    const done = await p.waitFor((e) => e.type === 'complete' || e.type === 'failed', ms, 'complete event');
    if (done.type === 'failed') throw new Error(`sta get ${tag} failed: ${done.reason}`);
    return done;
  } finally {
    await p.stop(5000);
  }
}

async function updateSection(o, tmp) {
  const mib = o.updateMib;
  if (!hasUpdateMode(o.cli)) {
    const r = { mib, notAvailable: '`sta get --if-exists update` is not in this build' };
    log(`update: not available (${r.notAvailable})`);
    return r;
  }
  const src = path.join(tmp, 'update-src');
  const out = path.join(tmp, 'update-out');
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(src, 'big.bin');
  writeRandomFile(file, mib * MiB);
  const env = { XDG_CACHE_HOME: path.join(tmp, 'update-cache') };
  const tracker = new Proc('update-tracker', process.execPath, [o.cli, 'tracker', '--host', '127.0.0.1', '--port', '0', '--announce-rate', '0', '--json']);
  let share;
  const ms = Math.max(120_000, mib * 200);
  try {
    const t = await tracker.waitFor((e) => typeof e.announce === 'string', 10_000, 'listening line');
    share = new Proc('update-share', process.execPath, [o.cli, 'share', src, '--tracker', t.announce, '--host', '127.0.0.1', '--json'], { env });
    const v1 = await waitListed(t.catalog, 'big.bin', undefined, ms);
    const first = await get(o.cli, t.announce, out, [], 'v1', ms);
    log(`update: v1 (${mib} MiB) fetched in ${first.seconds.toFixed(1)} s`);
    // 1 MiB in the middle, rewritten in place (the same size, a new mtime)
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, crypto.randomBytes(MiB), 0, MiB, Math.floor(mib / 2) * MiB);
    fs.closeSync(fd);
    const changedAt = performance.now();
    await waitListed(t.catalog, 'big.bin', v1, ms);
    const republishS = (performance.now() - changedAt) / 1000;
    const t0 = performance.now();
    const second = await get(o.cli, t.announce, out, ['--if-exists', 'update'], 'v2', ms);
    const downloaded = Object.values(second.fromPeers ?? {}).reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - t0) / 1000;
    const r = { mib, seconds, republishSeconds: republishS, downloaded, reusedBytes: second.reusedBytes ?? null, reason: second.reason };
    if (typeof second.reusedBytes !== 'number') r.notAvailable = 'the complete event has no reusedBytes';
    log(`update: ${(downloaded / MiB).toFixed(2)} MiB moved, ${r.reusedBytes === null ? '?' : (r.reusedBytes / MiB).toFixed(0)} MiB reused, ` +
      `${r.seconds.toFixed(1)} s (republished ${republishS.toFixed(1)} s after the change)`);
    return r;
  } catch (e) {
    log(`update: ${e.message}`);
    return { mib, error: e.message };
  } finally {
    await share?.stop(30_000);
    await tracker.stop();
  }
}

module.exports = { updateSection };
