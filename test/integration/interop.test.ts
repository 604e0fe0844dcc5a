// STA against real BitTorrent programs on loopback: aria2c and transmission-cli as leechers of
// STA seeders, aria2c seeders feeding an STA leecher, and STA peers using opentracker.
// Every byte that lands on disk is compared (SHA-256) with its source.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { parseTorrent } from '../../src/core/metainfo';
import { pct } from '../helpers/announce';
import { bdecodeRawKeys } from '../helpers/bencodeRawKeys';
import { ClientProc, requireClient, startAria2, startOpentracker, startTransmission } from '../helpers/clients';
import { scratchPerTest, sha256File, writeRandomFile } from '../helpers/files';
import { freePort } from '../helpers/freePort';
import { httpGet } from '../helpers/http';
import { run, stopChild, waitForExit } from '../helpers/processes';
import { CLI, startTrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

const MiB = 1 << 20;

interface StaEvent {
  type: string;
  [k: string]: any;
}

interface StaProc extends ClientProc {
  events: StaEvent[];
  /** resolves with the first event of `type` (matching `pred`), seen already or still to come */
  event: (type: string, timeoutMs: number, pred?: (e: StaEvent) => boolean) => Promise<StaEvent>;
}

/** `node dist/cli.js ARGS --json`, its stdout parsed into events. */
function startSta(args: string[], env: NodeJS.ProcessEnv): StaProc {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: StaEvent[] = [];
  let buf = '';
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => {
    buf += c;
    out = (out + c).slice(-64 * 1024);
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        events.push(JSON.parse(line));
      } catch {
        events.push({ type: 'unparsed', line });
      }
    }
  });
  child.stderr!.on('data', (c) => (err = (err + c).slice(-64 * 1024)));
  const proc: StaProc = {
    child,
    pid: child.pid!,
    events,
    stdout: () => out,
    stderr: () => err,
    stop: () => stopChild(child, 5000),
    event: (type, timeoutMs, pred = () => true) =>
      waitFor(
        `sta ${args[0]} event "${type}"`,
        () => {
          const e = events.find((x) => x.type === type && pred(x));
          if (e) return e;
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`sta ${args[0]} exited (${child.exitCode ?? child.signalCode}) before "${type}": ${err.slice(-2000)}`);
          }
          return undefined;
        },
        timeoutMs,
        50,
      ) as Promise<StaEvent>,
  };
  return proc;
}

/** Decodes a tracker scrape and returns {complete, incomplete} for one info-hash (0s when absent). */
async function scrapeCounts(scrapeUrl: string, infoHashHex: string): Promise<{ complete: number; incomplete: number }> {
  const r = await httpGet(`${scrapeUrl}?info_hash=${pct(Buffer.from(infoHashHex, 'hex'))}`, 3000).catch(() => undefined);
  if (!r || r.status !== 200) return { complete: 0, incomplete: 0 };
  const e = bdecodeRawKeys(r.body)?.files?.[Buffer.from(infoHashHex, 'hex').toString('latin1')];
  return { complete: e?.complete ?? 0, incomplete: e?.incomplete ?? 0 };
}

const peerIdText = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

describe('interop with real BitTorrent clients (loopback)', function () {
  this.timeout(60_000);
  /** everything started by the current test is stopped newest first (clients before trackers) */
  const scratch = scratchPerTest('sta-interop-');
  const track = scratch.track;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = scratch.dir;
    // share caches metainfo under $XDG_CACHE_HOME/sta: keep it inside the test's temp dir
    env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
  });

  it('STA seeder → aria2c leecher (torrent from STA\'s catalog)', async function () {
    requireClient('aria2c');
    const src = join(dir, 'src');
    const out = join(dir, 'out');
    await fsp.mkdir(src);
    await fsp.mkdir(out);
    const file = join(src, 'seeded-to-aria2.bin');
    await writeRandomFile(file, 16 * MiB);
    const want = await sha256File(file);

    const tracker = track(await startTrackerChild(['--interval', '2', '--min-interval', '1']));
    const share = track(startSta(['share', file, '--tracker', tracker.announce, '--host', '127.0.0.1', '--json'], env));
    const sharing = await share.event('sharing', 20_000);
    const ih: string = sharing.infoHash;

    // STA's share builds its own (public) torrent; aria2c gets those exact bytes from the catalog
    const torrent = (await waitFor(
      'the .torrent in the catalog',
      async () => {
        const r = await httpGet(`${tracker.catalog}/${ih}.torrent`, 3000).catch(() => undefined);
        return r?.status === 200 ? r.body : undefined;
      },
      15_000,
      100,
    ))!;
    assert.equal(parseTorrent(torrent).infoHashHex, ih);
    const torrentPath = join(dir, 'from-catalog.torrent');
    await fsp.writeFile(torrentPath, torrent);

    const t0 = Date.now();
    const aria = track(startAria2({ torrent: torrentPath, dir: out, port: await freePort(), seed: false }));
    const code = await waitForExit(aria.child, 45_000).catch((e) => `${e.message}`);
    assert.equal(code, 0, `aria2c exit ${code}\n${aria.stdout().slice(-3000)}\n${aria.stderr().slice(-3000)}\nsta: ${share.stderr().slice(-2000)}`);
    const secs = (Date.now() - t0) / 1000;
    assert.equal(await sha256File(join(out, 'seeded-to-aria2.bin')), want);
    console.log(`      aria2c fetched 16 MiB from sta share in ${secs.toFixed(1)} s (incl. aria2 start-up)`);
  });

  it('two aria2c seeders → STA leecher (mktorrent -p torrent)', async function () {
    requireClient('aria2c', 'mktorrent');
    const out = join(dir, 'out');
    await fsp.mkdir(out);
    const name = 'from-aria2.bin';
    const seedDirs = [join(dir, 'seedA'), join(dir, 'seedB')];
    for (const d of seedDirs) await fsp.mkdir(d);
    await writeRandomFile(join(seedDirs[0], name), 12 * MiB);
    await fsp.copyFile(join(seedDirs[0], name), join(seedDirs[1], name));
    const want = await sha256File(join(seedDirs[0], name));

    const tracker = track(await startTrackerChild(['--interval', '2', '--min-interval', '1']));
    const torrentPath = join(dir, 'aria.torrent');
    const mk = await run('mktorrent', ['-p', '-a', tracker.announce, '-l', '18', '-o', torrentPath, name], { cwd: seedDirs[0], timeoutMs: 20_000 });
    assert.equal(mk.code, 0, `mktorrent: ${mk.stderr}`);
    const meta = parseTorrent(await fsp.readFile(torrentPath));
    assert.equal(meta.private, true);

    for (const d of seedDirs) track(startAria2({ torrent: torrentPath, dir: d, port: await freePort(), seed: true }));
    await waitFor('both aria2c seeders at the tracker', async () => (await scrapeCounts(tracker.scrape, meta.infoHashHex)).complete >= 2, 20_000, 250);

    const get = track(startSta(['get', torrentPath, '--out', out, '--host', '127.0.0.1', '--timeout', '40', '--json'], env));
    const code = await waitForExit(get.child, 45_000).catch((e) => `${e.message}`);
    assert.equal(code, 0, `sta get exit ${code}\n${get.stdout().slice(-3000)}\n${get.stderr().slice(-3000)}`);
    const done = get.events.find((e) => e.type === 'complete');
    assert.ok(done, 'no "complete" event');
    assert.equal(await sha256File(join(out, name)), want);

    const from = Object.entries(done.fromPeers as Record<string, number>);
    const fromAria = from.filter(([id, bytes]) => peerIdText(id).startsWith('A2-') && bytes > 0);
    assert.ok(fromAria.length >= 1, `no bytes from an aria2 peer: ${JSON.stringify(done.fromPeers)}`);
    assert.ok(from.reduce((s, [, b]) => s + b, 0) >= meta.length, `fromPeers sums to less than the file: ${JSON.stringify(done.fromPeers)}`);
    const perPeer = fromAria.map(([, b]) => b).join(', ');
    console.log(`      sta get: 12 MiB from ${fromAria.length} aria2c seeder(s) in ${done.seconds.toFixed(1)} s (bytes per aria2 peer: ${perPeer})`);
  });

  it('STA seeders → transmission-cli leecher (private torrent; seeders dial it)', async function () {
    requireClient('transmission-cli');
    const name = 'to-transmission.bin';
    const seedDirs = [join(dir, 'seedA'), join(dir, 'seedB')];
    for (const d of seedDirs) await fsp.mkdir(d);
    await writeRandomFile(join(seedDirs[0], name), 8 * MiB);
    await fsp.copyFile(join(seedDirs[0], name), join(seedDirs[1], name));
    const want = await sha256File(join(seedDirs[0], name));

    const tracker = track(await startTrackerChild(['--interval', '1', '--min-interval', '1']));
    const torrentPath = join(dir, 'tr.torrent');
    const createArgs = [CLI, 'create', join(seedDirs[0], name), '--tracker', tracker.announce, '--private', '-o', torrentPath, '--json'];
    const created = await run(process.execPath, createArgs, { timeoutMs: 20_000 });
    assert.equal(created.code, 0, created.stderr);
    const ih: string = JSON.parse(created.stdout).infoHash;

    // STA seeds the private torrent with `get --seed` from folders that already hold the file
    const seeders = seedDirs.map((d) => track(startSta(['get', torrentPath, '--out', d, '--host', '127.0.0.1', '--seed', '--json'], env)));
    for (const s of seeders) {
      const c = await s.event('complete', 20_000);
      assert.equal(c.reason, 'already have it');
    }
    await waitFor('both STA seeders at the tracker', async () => (await scrapeCounts(tracker.scrape, ih)).complete >= 2, 10_000, 100);

    const marker = join(dir, 'transmission-done');
    const dl = join(dir, 'tr-download');
    const t0 = Date.now();
    const tr = track(
      await startTransmission({ torrent: torrentPath, configDir: join(dir, 'tr-config'), downloadDir: dl, port: await freePort(), markerPath: marker }),
    );
    const finished = (await waitFor(
      'transmission-cli done script',
      async () => {
        if (tr.child.exitCode !== null || tr.child.signalCode !== null) {
          throw new Error(`transmission-cli exited early (${tr.child.exitCode ?? tr.child.signalCode}): ${tr.stderr().slice(-3000)}`);
        }
        return fsp.readFile(marker, 'utf8').catch(() => undefined);
      },
      45_000,
      100,
    ).catch((e) => {
      throw new Error(`${e.message}\ntransmission: ${tr.stdout().slice(-1500)}\n${tr.stderr().slice(-1500)}\nseeder A: ${seeders[0].stderr().slice(-1500)}`);
    }))!;
    const secs = (Date.now() - t0) / 1000;
    assert.equal(finished.trim(), join(dl, name));
    assert.equal(await sha256File(join(dl, name)), want);
    // Transmission keeps one connection per IP, so usually only one seeder gets in
    const added = seeders
      .map((s) => s.events.find((e) => e.type === 'peer-added')?.time)
      .map((t) => (t ? `+${((Date.parse(t) - t0) / 1000).toFixed(1)} s` : 'never'));
    console.log(
      `      transmission-cli fetched 8 MiB from STA seeders in ${secs.toFixed(1)} s ` +
        `(seeders connected: ${added.join(', ')}; Transmission sends "interested" only at its next 10 s rechoke)`,
    );
  });

  it('STA share and STA get through opentracker', async function () {
    requireClient('opentracker');
    const src = join(dir, 'src');
    const out = join(dir, 'out');
    const otDir = join(dir, 'opentracker');
    for (const d of [src, out, otDir]) await fsp.mkdir(d);
    const name = 'via-opentracker.bin';
    const file = join(src, name);
    await writeRandomFile(file, 6 * MiB);
    const want = await sha256File(file);

    const otPort = await freePort();
    const announce = `http://127.0.0.1:${otPort}/announce`;
    const torrentPath = join(dir, 'ot.torrent');
    const created = await run(process.execPath, [CLI, 'create', file, '--tracker', announce, '-o', torrentPath, '--json'], { timeoutMs: 20_000 });
    assert.equal(created.code, 0, created.stderr);
    const ih: string = JSON.parse(created.stdout).infoHash;

    const ot = track(await startOpentracker({ dir: otDir, port: otPort, infoHashes: [ih] }));
    assert.equal(ot.announce, announce);

    const share = track(startSta(['share', file, '--tracker', announce, '--host', '127.0.0.1', '--json'], env));
    const [listening, sharing] = [await share.event('listening', 20_000), await share.event('sharing', 20_000)];
    assert.equal(sharing.infoHash, ih, 'sta share built a different torrent than sta create');
    await waitFor('the STA seeder at opentracker', async () => (await scrapeCounts(ot.scrape, ih)).complete >= 1, 15_000, 200);

    // no --tracker: the torrent's own announce URL (opentracker) is used
    const get = track(startSta(['get', torrentPath, '--out', out, '--host', '127.0.0.1', '--timeout', '40', '--json'], env));
    const code = await waitForExit(get.child, 45_000).catch((e) => `${e.message}`);
    assert.equal(code, 0, `sta get exit ${code}\n${get.stdout().slice(-3000)}\n${get.stderr().slice(-3000)}\nshare: ${share.stderr().slice(-2000)}`);
    const done = get.events.find((e) => e.type === 'complete');
    assert.ok(done, 'no "complete" event');
    assert.equal(await sha256File(join(out, name)), want);
    assert.ok((done.fromPeers[listening.peerId] ?? 0) >= 6 * MiB, `fromPeers lacks the seeder ${listening.peerId}: ${JSON.stringify(done.fromPeers)}`);
    console.log(`      sta get via opentracker: 6 MiB in ${done.seconds.toFixed(1)} s`);
  });
});
