#!/usr/bin/env node
// Live-repository benchmark: what a workspace of thousands of files costs `sta share`.
//
//   node bench/live-repo.js                       (10,000 files; ~4-6 minutes with the 1 GiB update)
//   node bench/live-repo.js --files 500 --idle 10 --update-mib 64     (a quick run)
//   node bench/live-repo.js [--files N] [--big N] [--idle SEC] [--update-mib N] [--sections publish,update]
//                           [--cli dist/cli.js] [--cpu-prof DIR] [--keep]
//
// publish  A tree of FILES files: BIG of 2-8 MiB, the rest small (1-64 KiB, 100 to a folder). `sta tracker`
//          (loopback, default 60 s interval, catalog caps raised to fit) behind a counting TCP proxy;
//          `sta share TREE --json` announces through the proxy. First Start = spawn → the tracker's
//          catalog lists every file (polled every 250 ms, straight at the tracker); then IDLE seconds
//          of CPU of the sharing process (/proc/PID/stat) and requests/s it sent to the tracker;
//          then stop (SIGTERM), a fresh tracker behind the same proxy URL, and a restart with the
//          metainfo cache: spawn → every file listed again.
// update   A 1 GiB file (UPDATE_MIB) shared; `sta get` fetches it; 1 MiB in its middle is rewritten in
//          place; once the new version is listed, `sta get --if-exists update` fetches it again: the
//          bytes moved (`downloaded`) and reused (`reusedBytes`). Needs `--if-exists update` in
//          `sta get`; without it the section says "not available".
// Results: a summary on stdout and bench/results/live-repo.json. Everything on 127.0.0.1, bounded in time.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { log, sleep, cpuSeconds, openFds, rssMiB, httpGet, Proc, killAllSync, CountingProxy } = require('./benchKit');
const { updateSection } = require('./liveUpdate');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results', 'live-repo.json');
const KiB = 1024;
const POLL_MS = 250;
const MiB = 1024 * KiB;

function options() {
  const o = { files: 10_000, big: 4, idle: 60, updateMib: 1024, sections: 'publish,update', cli: path.join(ROOT, 'dist', 'cli.js'), cpuProf: '', keep: false };
  const ints = { files: 'files', big: 'big', idle: 'idle', 'update-mib': 'updateMib' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    const val = () => m[2] ?? argv[++i];
    if (m[1] in ints) {
      const v = Number(val());
      if (!Number.isInteger(v) || v < 0) throw new Error(`--${m[1]} wants a non-negative integer`);
      o[ints[m[1]]] = v;
    } else if (m[1] === 'sections') o.sections = val();
    else if (m[1] === 'cli') o.cli = path.resolve(val());
    else if (m[1] === 'cpu-prof') o.cpuProf = path.resolve(val());
    else if (m[1] === 'keep') o.keep = true;
    else throw new Error(`unknown option --${m[1]} (known: --files --big --idle --update-mib --sections --cli --cpu-prof --keep)`);
  }
  o.sections = o.sections.split(',').filter(Boolean);
  return o;
}

/** FILES files of 1-64 KiB, 100 to a folder, plus BIG of 2-8 MiB; random bytes, so every file is its own torrent. */
function makeTree(dir, files, big) {
  const buf = crypto.randomBytes(8 * MiB);
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) fs.mkdirSync(sub, { recursive: true });
    const n = KiB + crypto.randomInt(63 * KiB + 1);
    const at = crypto.randomInt(buf.length - n);
    buf.writeUInt32LE(i, at); // the offset alone could repeat: the index makes each file unique
    fs.writeFileSync(path.join(sub, `f${i}.bin`), buf.subarray(at, at + n));
    bytes += n;
  }
  for (let i = 0; i < big; i++) {
    const n = (2 + crypto.randomInt(7)) * MiB;
    crypto.randomFillSync(buf, 0, n);
    fs.writeFileSync(path.join(dir, `big${i}.bin`), buf.subarray(0, n));
    bytes += n;
  }
  return bytes;
}

async function startTracker(cli, port, files) {
  const cap = String(files + 1000);
  const args = [cli, 'tracker', '--host', '127.0.0.1', '--port', String(port), '--announce-rate', '0', '--json'];
  args.push('--max-catalog-entries', cap, '--max-files-per-address', cap, '--max-swarms', cap);
  const p = new Proc('tracker', process.execPath, args);
  const info = await p.waitFor((e) => typeof e.announce === 'string', 10_000, 'listening line');
  return { proc: p, catalog: info.catalog };
}

/** Files the catalog lists (straight from the tracker, not through the counting proxy; a 304 when unchanged, if it does ETags). */
async function catalogCount(catalogUrl, lastCatalog) {
  try {
    const headers = lastCatalog.etag ? { 'if-none-match': lastCatalog.etag } : {};
    const res = await httpGet(catalogUrl, 20_000, headers);
    if (res.status === 304) return lastCatalog.count;
    if (res.status !== 200) return 0;
    // counted, not parsed: the poll must not steal much CPU from what it measures
    const count = res.body.toString('utf8').split('"infoHash":').length - 1;
    Object.assign(lastCatalog, { etag: res.headers.etag, count });
    return count;
  } catch {
    return 0;
  }
}

/**
 * Seconds from `since` until the catalog lists `want` files, or null after `limitS` (polled every POLL_MS;
 * the tracker rebuilds its list at most once a second).
 */
async function untilListed(catalogUrl, want, since, limitS, share) {
  let n = 0;
  const last = { etag: undefined, count: 0 };
  while ((performance.now() - since) / 1000 < limitS && share.running) {
    n = await catalogCount(catalogUrl, last);
    if (n >= want) return { seconds: (performance.now() - since) / 1000, listed: n };
    await sleep(POLL_MS);
  }
  return { seconds: null, listed: n };
}

function startShare(o, tree, proxyUrl, env, tag) {
  const args = [tree, '--tracker', proxyUrl, '--host', '127.0.0.1', '--json'];
  // sampled every 10 ms, not every 1 ms: the profiler must not become the idle CPU it measures
  const prof = o.cpuProf ? ['--cpu-prof', '--cpu-prof-interval', '10000', '--cpu-prof-dir', o.cpuProf, '--cpu-prof-name', `share-${tag}.cpuprofile`] : [];
  return new Proc(`share-${tag}`, process.execPath, [...prof, o.cli, 'share', ...args], { env });
}

/** One Start of `sta share` on the tree: seconds until every file is listed, and the process. */
async function publishRun(o, tree, want, proxy, tracker, env, tag) {
  const t0 = performance.now();
  const spawnedAt = Date.now();
  const share = startShare(o, tree, `http://127.0.0.1:${proxy.port}/announce`, env, tag);
  const limit = Math.max(120, want / 20);
  const listed = await untilListed(tracker.catalog, want, t0, limit, share);
  const sharing = share.events.filter((e) => e.type === 'sharing');
  // when each phase was reached, in seconds from spawn (the event's own time: the process may write lines in batches)
  const at = (ev) => (ev ? Number(((Date.parse(ev.time) - spawnedAt) / 1000).toFixed(2)) : null);
  const phases = {
    listening: at(share.events.find((e) => e.type === 'listening')),
    watching: at(share.events.find((e) => e.type === 'watching')),
    firstSharing: at(sharing[0]),
    lastSharing: at(sharing[sharing.length - 1]),
  };
  const warnings = share.events.filter((e) => e.type === 'warning');
  const r = { seconds: listed.seconds, listed: listed.listed, phases, sharingEvents: sharing.length, warnings: warnings.length };
  r.cpuSeconds = cpuSeconds(share.pid);
  log(`${tag}: ${r.seconds === null ? `NOT all listed (${listed.listed}/${want})` : `${r.seconds.toFixed(1)} s`} to list ${want} files; ` +
    `phases ${JSON.stringify(phases)}; ${r.cpuSeconds} CPU-s; ${warnings.length} warnings${warnings.length ? `: ${warnings[0].message}` : ''}`);
  return { share, result: r };
}

/** CPU of the sharing process and the requests it sends, over `seconds` of doing nothing. */
async function idleRun(share, tracker, proxy, seconds) {
  await sleep(5000); // let the publish's tail (catalog posts, first progress) pass
  const t0 = performance.now();
  const c0 = cpuSeconds(share.pid);
  const tc0 = cpuSeconds(tracker.proc.pid);
  // % of a core in each 10 s: a one-off (V8 compacting the heap ~20 s after start) shows apart from the steady cost
  const slices = [];
  for (let left = seconds; left > 0; left -= 10) {
    const s0 = cpuSeconds(share.pid);
    await sleep(Math.min(10, left) * 1000);
    slices.push(Number(((100 * (cpuSeconds(share.pid) - s0)) / Math.min(10, left)).toFixed(1)));
  }
  const t1 = performance.now();
  const dt = (t1 - t0) / 1000;
  const counts = proxy.count(t0, t1);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const r = {
    seconds: Number(dt.toFixed(1)),
    sharePctOfCore: Number(((100 * (cpuSeconds(share.pid) - c0)) / dt).toFixed(2)),
    sharePctPer10s: slices,
    trackerPctOfCore: Number(((100 * (cpuSeconds(tracker.proc.pid) - tc0)) / dt).toFixed(2)),
    requestsPerSecond: Number((total / dt).toFixed(2)),
    requests: counts,
    shareRssMiB: rssMiB(share.pid),
    shareOpenFds: openFds(share.pid),
  };
  log(`idle ${r.seconds} s: share ${r.sharePctOfCore}% of a core (per 10 s: ${slices.join(' ')}), ${r.requestsPerSecond} tracker requests/s ${JSON.stringify(counts)}, ` +
    `RSS ${r.shareRssMiB} MiB, ${r.shareOpenFds} fds; tracker ${r.trackerPctOfCore}%`);
  return r;
}

async function publishSection(o, tmp) {
  const tree = path.join(tmp, 'tree');
  const t0 = performance.now();
  const big = Math.min(o.big, o.files);
  const bytes = makeTree(tree, o.files - big, big);
  const want = o.files;
  log(`tree: ${want} files, ${(bytes / 1e6).toFixed(0)} MB, made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const env = { XDG_CACHE_HOME: path.join(tmp, 'cache') };
  const proxy = new CountingProxy({ host: '127.0.0.1', port: 0 });
  await proxy.listen();
  const { freePort } = require('../test/helpers/freePort');
  const trackerPort = await freePort();
  proxy.target.port = trackerPort;
  const out = { files: want, bytes };
  try {
    let tracker = await startTracker(o.cli, trackerPort, want);
    const first = await publishRun(o, tree, want, proxy, tracker, env, 'first');
    out.firstStart = first.result;
    out.idle = o.idle > 0 && first.result.seconds !== null ? await idleRun(first.share, tracker, proxy, o.idle) : null;
    out.stopSeconds = Number((await first.share.stop(60_000, 'SIGTERM')).toFixed(1));
    log(`share stopped in ${out.stopSeconds} s`);
    await tracker.proc.stop();
    tracker = await startTracker(o.cli, trackerPort, want); // an empty catalog, at the URL the cache was made for
    const again = await publishRun(o, tree, want, proxy, tracker, env, 'restart');
    out.restart = again.result;
    await again.share.stop(60_000, 'SIGTERM');
    await tracker.proc.stop();
  } finally {
    await proxy.close();
  }
  return out;
}

async function main() {
  const o = options();
  if (!fs.existsSync(o.cli)) throw new Error(`${o.cli} is missing: run \`node esbuild.js --production\` (npm run bench does)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-bench-live-'));
  const cleanup = () => {
    killAllSync();
    if (!o.keep) fs.rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => (cleanup(), process.exit(130)));
  log(`live repository bench in ${tmp}; ${os.cpus().length} CPUs; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; cli ${o.cli}`);
  const doc = { startedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, options: o };
  try {
    if (o.sections.includes('publish')) doc.publish = await publishSection(o, tmp);
    if (o.sections.includes('update')) doc.update = await updateSection(o, tmp);
  } finally {
    cleanup();
  }
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, JSON.stringify(doc, null, 2) + '\n');
  printSummary(doc);
  const failed = (doc.publish && (doc.publish.firstStart.seconds === null || doc.publish.restart?.seconds === null)) || doc.update?.error;
  return failed ? 1 : 0;
}

function printSummary(doc) {
  const s = (x) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(1)} s`);
  const p = doc.publish;
  console.log('\nLive repository');
  if (p) {
    console.log(`  ${p.files} files, ${(p.bytes / 1e6).toFixed(0)} MB`);
    console.log(`  first Start: every file listed in ${s(p.firstStart.seconds)} (target ≤ 20 s)`);
    console.log(`  restart (metainfo cache): every file listed in ${s(p.restart?.seconds)} (target ≤ 3 s)`);
    if (p.idle) {
      console.log(`  idle over ${p.idle.seconds} s: ${p.idle.sharePctOfCore}% of a core (target ≤ 1%; per 10 s: ${p.idle.sharePctPer10s.join(' ')}), ` +
        `${p.idle.requestsPerSecond} tracker requests/s from this peer ${JSON.stringify(p.idle.requests)}`);
    }
  }
  const u = doc.update;
  if (u) {
    if (u.notAvailable) console.log(`  update of a ${u.mib} MiB file with 1 MiB changed: not available (${u.notAvailable})`);
    else if (u.error) console.log(`  update: failed: ${u.error}`);
    else {
      console.log(`  update of a ${u.mib} MiB file with 1 MiB changed: ${(u.downloaded / MiB).toFixed(2)} MiB moved, ` +
        `${(u.reusedBytes / MiB).toFixed(0)} MiB reused, ${s(u.seconds)}`);
    }
  }
  console.log(`  results in ${path.relative(ROOT, RESULTS)}`);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    killAllSync();
    console.error(`bench/live-repo.js: ${e.stack || e.message}`);
    process.exit(1);
  },
);
