// Real BitTorrent clients through `sta tracker` (a child process): an aria2c seeder and an
// aria2c leecher find each other through it and move a private 4 MiB file; aria2 fetches the
// metadata of a magnet link and the .torrent it writes parses to the same info-hash; and
// opentracker, given the same announces as STA's tracker, answers the same way.
import assert from 'node:assert/strict';
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { decode } from '../../src/core/bencode';
import { parseTorrent } from '../../src/core/metainfo';
import { announce as clientAnnounce } from '../../src/core/trackerClient/announce';
import { pct, peerId } from '../helpers/announce';
import { bdecodeRawKeys } from '../helpers/bencodeRawKeys';
import { aria2Flags, requireClient, spawnLogged, startOpentracker } from '../helpers/clients';
import { makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { freePort } from '../helpers/freePort';
import { httpGet } from '../helpers/http';
import { waitForPort, waitForPortFree } from '../helpers/ports';
import { run, stopChild, waitForExit } from '../helpers/processes';
import { CLI, startTrackerChild, TrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

async function scrapeEntry(t: TrackerChild, infoHash: Buffer): Promise<{ complete: number; incomplete: number; downloaded: number }> {
  const r = await httpGet(`${t.scrape}?info_hash=${pct(infoHash)}`);
  assert.equal(r.status, 200);
  decode(r.body);
  return { ...bdecodeRawKeys(r.body).files[infoHash.toString('latin1')] };
}

describe('real clients through sta tracker', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let tracker: TrackerChild;
  const children: ChildProcess[] = [];

  before(async () => {
    ({ dir, cleanup } = await makeTempDir('sta-aria2-'));
    tracker = await startTrackerChild(['--interval', '2']);
  });

  after(async () => {
    for (const c of children) await stopChild(c).catch(() => undefined);
    await tracker?.stop();
    await cleanup?.();
  });

  it('aria2c seeder → aria2c leecher, private 4 MiB torrent made by sta create; scrape counts the download', async function () {
    requireClient('aria2c');
    const seedDir = join(dir, 'seed');
    const leechDir = join(dir, 'leech');
    await fsp.mkdir(seedDir);
    await fsp.mkdir(leechDir);
    const src = join(seedDir, 'payload.bin');
    await writeRandomFile(src, 4 * 1024 * 1024);
    const torrentPath = join(dir, 'payload.torrent');
    const createArgs = [CLI, 'create', src, '--tracker', tracker.announce, '--private', '-o', torrentPath, '--json'];
    const made = await run(process.execPath, createArgs, { timeoutMs: 30_000 });
    assert.equal(made.code, 0, made.stderr);
    const info = JSON.parse(made.stdout.trim().split('\n').pop()!);
    const meta = parseTorrent(await fsp.readFile(torrentPath));
    assert.equal(info.infoHash, meta.infoHashHex);
    assert.equal(meta.private, true);
    assert.equal(meta.announce, tracker.announce);

    const seedPort = await freePort();
    const seeder = spawnLogged('aria2c', [...aria2Flags(seedPort), '--seed-ratio=0.0', '--bt-seed-unverified=true', '-V', '-d', seedDir, torrentPath]);
    children.push(seeder.child);
    // the seeder is in the swarm as a seeder before the leecher starts
    await waitFor('the aria2c seeder to announce', async () => {
      if (seeder.child.exitCode !== null) throw new Error(`seeder exited ${seeder.child.exitCode}: ${seeder.output()}`);
      return (await scrapeEntry(tracker, meta.infoHash)).complete === 1;
    }, 30_000, 200);
    await waitForPort(seedPort, 10_000);

    const leechPort = await freePort();
    const t0 = Date.now();
    const leecher = spawnLogged('aria2c', [...aria2Flags(leechPort), '--seed-time=0', '-d', leechDir, torrentPath]);
    children.push(leecher.child);
    let code: number | string;
    try {
      code = await waitForExit(leecher.child, 60_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nleecher: ${leecher.output()}\nseeder: ${seeder.output()}\ntracker: ${tracker.stderr()}`);
    }
    assert.equal(code, 0, `leecher exit ${code}: ${leecher.output()}`);
    console.log(`      aria2c leecher done in ${Date.now() - t0} ms`);
    assert.equal(await sha256File(join(leechDir, 'payload.bin')), await sha256File(src));

    // the leecher announced `completed` (and then `stopped`): counted once, and gone
    const s = (await waitFor('scrape to show the download', async () => {
      const e = await scrapeEntry(tracker, meta.infoHash);
      return e.downloaded >= 1 && e.incomplete === 0 ? e : undefined;
    }, 10_000, 200))!;
    assert.ok(s.downloaded >= 1);
    assert.equal(s.complete, 1, 'the seeder is still there');

    // stop the seeder by PID; it leaves the swarm (aria2c killed by SIGTERM does not always
    // announce `stopped`: then it expires after two 2-second intervals)
    const stoppedAt = Date.now();
    await stopChild(seeder.child, 15_000);
    assert.notEqual(seeder.child.exitCode ?? seeder.child.signalCode, null);
    await waitForPortFree(seedPort, 15_000);
    // (an empty swarm is then dropped with its counts, so `downloaded` was checked above)
    await waitFor('the seeder to leave the swarm', async () => (await scrapeEntry(tracker, meta.infoHash)).complete === 0, 15_000, 250);
    console.log(`      seeder gone from the swarm ${Date.now() - stoppedAt} ms after SIGTERM`);
  });

  it('a keyed tracker (sta tracker --key-file): aria2c seeder → leecher through the keyed announce URL; an unkeyed announce is refused', async function () {
    requireClient('aria2c');
    const key = 'aria2_Team-Key_0123456789';
    const keyFile = join(dir, 'team.key');
    await fsp.writeFile(keyFile, `${key}\n`);
    const keyed = await startTrackerChild(['--interval', '2', '--key-file', keyFile]);
    try {
      assert.match(keyed.announce, new RegExp(`/${key}/announce$`));
      const seedDir = join(dir, 'kseed');
      const leechDir = join(dir, 'kleech');
      await fsp.mkdir(seedDir);
      await fsp.mkdir(leechDir);
      const src = join(seedDir, 'keyed.bin');
      await writeRandomFile(src, 1024 * 1024);
      const torrentPath = join(dir, 'keyed.torrent');
      const createArgs = [CLI, 'create', src, '--tracker', keyed.announce, '--private', '-o', torrentPath, '--json'];
      const made = await run(process.execPath, createArgs, { timeoutMs: 30_000 });
      assert.equal(made.code, 0, made.stderr);
      const meta = parseTorrent(await fsp.readFile(torrentPath));
      const seedPort = await freePort();
      const seeder = spawnLogged('aria2c', [...aria2Flags(seedPort), '--seed-ratio=0.0', '--bt-seed-unverified=true', '-V', '-d', seedDir, torrentPath]);
      children.push(seeder.child);
      await waitFor('the aria2c seeder to announce with the key', async () => (await scrapeEntry(keyed, meta.infoHash)).complete === 1, 30_000, 200);
      const leecher = spawnLogged('aria2c', [...aria2Flags(await freePort()), '--seed-time=0', '-d', leechDir, torrentPath]);
      children.push(leecher.child);
      const code = await waitForExit(leecher.child, 60_000).catch((e) => `${e.message}: ${leecher.output()}`);
      assert.equal(code, 0, `leecher exit ${code}: ${leecher.output()}\ntracker: ${keyed.stderr()}`);
      assert.equal(await sha256File(join(leechDir, 'keyed.bin')), await sha256File(src));
      // the same torrent announced without the key: a failure reason, and no swarm entry
      const unkeyed = `${keyed.announce.replace(`/${key}/`, '/')}?info_hash=${pct(meta.infoHash)}&peer_id=${pct(peerId('NK0001'))}&port=7999&left=1`;
      const r = await httpGet(unkeyed);
      assert.equal(r.status, 403);
      assert.match(decode(r.body)['failure reason'].toString(), /team key/);
      assert.equal((await scrapeEntry(keyed, meta.infoHash)).incomplete, 0);
      await stopChild(seeder.child, 15_000);
      await waitForPortFree(seedPort, 15_000);
    } finally {
      await keyed.stop();
    }
  });

  it('aria2c fetches a magnet link\'s metadata from an aria2c seeder; the .torrent it writes parses to the same info-hash', async function () {
    requireClient('aria2c');
    const seedDir = join(dir, 'mseed');
    const outDir = join(dir, 'mout');
    await fsp.mkdir(seedDir);
    await fsp.mkdir(outDir);
    const src = join(seedDir, 'magnet payload.bin');
    await writeRandomFile(src, 300_000);
    const torrentPath = join(dir, 'magnet.torrent');
    const createArgs = [CLI, 'create', src, '--tracker', tracker.announce, '--piece-length', '16384', '-o', torrentPath, '--json'];
    const made = await run(process.execPath, createArgs, { timeoutMs: 30_000 });
    assert.equal(made.code, 0, made.stderr);
    const meta = parseTorrent(await fsp.readFile(torrentPath));
    const magnet = JSON.parse(made.stdout.trim().split('\n').pop()!).magnet as string;

    const seedPort = await freePort();
    const seeder = spawnLogged('aria2c', [...aria2Flags(seedPort), '--seed-ratio=0.0', '--bt-seed-unverified=true', '-V', '-d', seedDir, torrentPath]);
    children.push(seeder.child);
    await waitFor('the magnet seeder to announce', async () => (await scrapeEntry(tracker, meta.infoHash)).complete === 1, 30_000, 200);

    const fetchPort = await freePort();
    const fetcher = spawnLogged('aria2c', [...aria2Flags(fetchPort), '--bt-metadata-only=true', '--bt-save-metadata=true', '-d', outDir, magnet]);
    children.push(fetcher.child);
    const code = await waitForExit(fetcher.child, 60_000).catch((e) => `${e.message}: ${fetcher.output()}`);
    assert.equal(code, 0, `aria2c magnet fetch: ${code} ${fetcher.output()}`);
    const saved = join(outDir, `${meta.infoHashHex}.torrent`);
    const produced = parseTorrent(await fsp.readFile(saved));
    assert.equal(produced.infoHashHex, meta.infoHashHex);
    assert.equal(produced.name, 'magnet payload.bin');
    assert.equal(produced.length, 300_000);
    assert.equal(produced.pieceLength, 16384);
    assert.deepEqual(produced.pieceHashes, meta.pieceHashes);
    await stopChild(seeder.child, 15_000);
    await waitForPortFree(seedPort, 15_000);
  });

  it('opentracker as a drop-in: the same announces and scrape give the same swarm to STA\'s tracker client', async function () {
    requireClient('opentracker');
    const ih = randomBytes(20);
    const otDir = join(dir, 'opentracker');
    await fsp.mkdir(otDir);
    const ot = await startOpentracker({ dir: otDir, port: await freePort(), infoHashes: [ih.toString('hex')] });
    children.push(ot.child);
    const otUrl = ot.announce;

    const a = peerId('OT0001');
    const b = peerId('OT0002');
    const c = peerId('OT0003');
    // opentracker lists the asking peer itself; STA's tracker leaves it out (a peer cannot
    // use it). Apart from that the answers must match exactly.
    const swarmView = async (url: string, normalize: boolean) => {
      const base = { infoHash: ih, uploaded: 0, downloaded: 0 };
      const step = async (id: Buffer, port: number, left: number, event?: 'started' | 'completed' | 'stopped') => {
        const r = await clientAnnounce(url, { ...base, peerId: id, port, left, event });
        let peers = r.peers.map((p) => `${p.ip}:${p.port}`);
        if (normalize) peers = peers.filter((p) => p !== `127.0.0.1:${port}`);
        return { peers: peers.sort(), complete: r.complete, incomplete: r.incomplete, interval: r.interval > 0 };
      };
      const steps = {
        aStarts: await step(a, 7301, 1000, 'started'),
        bStarts: await step(b, 7302, 1000, 'started'),
        aCompletes: await step(a, 7301, 0, 'completed'),
        cSeeds: await step(c, 7303, 0, 'started'),
        bLeaves: await step(b, 7302, 1000, 'stopped'),
        cAgain: await step(c, 7303, 0),
      };
      const s = await httpGet(`${url.replace(/announce$/, 'scrape')}?info_hash=${pct(ih)}`);
      return { ...steps, scrape: { ...bdecodeRawKeys(s.body).files[ih.toString('latin1')] } };
    };
    const sta = await swarmView(tracker.announce, false);
    const open = await swarmView(otUrl, true);
    assert.deepEqual(sta, open);
    // and what both said is right
    assert.deepEqual(sta.aStarts, { peers: [], complete: 0, incomplete: 1, interval: true });
    assert.deepEqual(sta.bStarts.peers, ['127.0.0.1:7301']);
    assert.deepEqual(sta.cSeeds, { peers: ['127.0.0.1:7301', '127.0.0.1:7302'], complete: 2, incomplete: 1, interval: true });
    assert.deepEqual(sta.bLeaves, { peers: [], complete: 2, incomplete: 0, interval: true });
    assert.deepEqual(sta.scrape, { complete: 2, downloaded: 1, incomplete: 0 });
    await stopChild(ot.child, 5000);
  });
});
