// What goes wrong in real swarms: peers and trackers dying, liars, crashes, hostile names,
// files already in the way.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from '../../src/core/bencode';
import { Engine } from '../../src/core/engine';
import { createTorrent, parseTorrent } from '../../src/core/metainfo';
import { PieceStore } from '../../src/core/storage/pieceStore';
import { makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { waitForExit } from '../helpers/processes';
import { runGet, startSeeder, startSta, StaProcess, startTrackerChild, TrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

describe('faults', function () {
  this.timeout(120_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let tracker: TrackerChild | undefined;
  const procs: StaProcess[] = [];
  let file: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    tmp = await makeTempDir();
    tracker = await startTrackerChild(['--interval', '1']);
    await fsp.mkdir(join(tmp.dir, 'src'));
    file = join(tmp.dir, 'src', 'image.bin');
    await writeRandomFile(file, 24 * 1024 * 1024 + 777);
    env = { XDG_CACHE_HOME: join(tmp.dir, 'cache') };
  });

  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    await tracker?.stop();
    await tmp.cleanup();
  });

  const progressOf = (p: StaProcess) => {
    const last = [...p.events].reverse().find((e) => e.type === 'progress');
    return last ? last.verifiedBytes / last.length : 0;
  };

  it('finishes from the other seeders when one is killed mid-download', async () => {
    for (let i = 0; i < 3; i++) procs.push(await startSeeder([file], tracker!.announce, ['--max-upload-rate', '3M'], env));
    const out = join(tmp.dir, 'out');
    const get = startSta(['get', 'image.bin', '--tracker', tracker!.announce, '--out', out, '--host', '127.0.0.1']);
    procs.push(get);
    await waitFor('download at 20%', () => progressOf(get) >= 0.2 || undefined, 30_000, 50);
    assert.ok(progressOf(get) < 0.9, 'the download finished before the seeder could be killed');
    process.kill(procs[0].child.pid!, 'SIGKILL');
    assert.equal(await waitForExit(get.child, 60_000), 0, get.stderr().slice(-2000));
    assert.equal(await sha256File(join(out, 'image.bin')), await sha256File(file));
  });

  it('finishes when the tracker dies mid-download', async () => {
    for (let i = 0; i < 2; i++) procs.push(await startSeeder([file], tracker!.announce, ['--max-upload-rate', '4M'], env));
    const out = join(tmp.dir, 'out');
    const get = startSta(['get', 'image.bin', '--tracker', tracker!.announce, '--out', out, '--host', '127.0.0.1']);
    procs.push(get);
    await waitFor('download at 20%', () => progressOf(get) >= 0.2 || undefined, 30_000, 50);
    process.kill(tracker!.pid, 'SIGKILL');
    await waitForExit(tracker!.child, 5000);
    assert.equal(await waitForExit(get.child, 60_000), 0, get.stderr().slice(-2000));
    assert.equal(await sha256File(join(out, 'image.bin')), await sha256File(file));
    // it said the tracker was unreachable, and carried on
    assert.ok(get.events.some((e) => e.type === 'warning' && /tracker .*unreachable/.test(e.message)), 'no warning about the dead tracker');
  });

  it('resumes after kill -9 at about half, fetching again only what was in flight', async () => {
    for (let i = 0; i < 2; i++) procs.push(await startSeeder([file], tracker!.announce, ['--max-upload-rate', '3M'], env));
    const out = join(tmp.dir, 'out');
    const first = startSta(['get', 'image.bin', '--tracker', tracker!.announce, '--out', out, '--host', '127.0.0.1']);
    await waitFor('download at half', () => progressOf(first) >= 0.5 || undefined, 30_000, 20);
    const verifiedAtKill = [...first.events].reverse().find((e) => e.type === 'progress')!.verifiedBytes as number;
    process.kill(first.child.pid!, 'SIGKILL');
    await waitForExit(first.child, 5000);
    const listing = await fsp.readdir(out);
    assert.ok(!listing.includes('image.bin'), `a partial download must not appear under the final name: ${listing} ${JSON.stringify(first.events.slice(-3))}`);

    const second = await runGet(['image.bin', '--tracker', tracker!.announce, '--out', out]);
    assert.equal(second.code, 0, second.stderr.slice(-2000));
    assert.equal(await sha256File(join(out, 'image.bin')), await sha256File(file));
    const fetched = second.events.find((e) => e.type === 'complete')!;
    const length = 24 * 1024 * 1024 + 777;
    const firstProgress = second.events.find((e) => e.type === 'progress')!;
    assert.ok(
      firstProgress.verifiedBytes >= verifiedAtKill,
      `restart found ${firstProgress.verifiedBytes} verified bytes, the first run had ${verifiedAtKill}`,
    );
    // what the first run had verified is never fetched again; the slack is what was in flight
    const refetched = fetched.fromPeers ? Object.values(fetched.fromPeers as Record<string, number>).reduce((a, b) => a + b, 0) : Infinity;
    assert.ok(
      refetched <= length - verifiedAtKill + 4 * 1024 * 1024,
      `second run fetched ${refetched} bytes; ${length - verifiedAtKill} were missing at the kill`,
    );
  });

  it('bans a seeder that serves corrupted pieces and still gets the right file', async () => {
    await tracker!.stop();
    tracker = undefined;
    const meta = await createTorrent(file, { pieceLength: 256 * 1024 });
    const bad = join(tmp.dir, 'src', 'bad.bin');
    const bytes = await fsp.readFile(file);
    for (let off = 1000; off < bytes.length; off += 256 * 1024) bytes[off] ^= 0xff; // every piece is wrong
    await fsp.writeFile(bad, bytes);
    const opts = { host: '127.0.0.1', port: 0, localAddress: '127.0.0.1' };
    const honest = new Engine({ ...opts, maxUploadRate: 4 * 1024 * 1024 });
    const liar = new Engine(opts);
    const leecher = new Engine(opts);
    try {
      await Promise.all([honest.listen(), liar.listen(), leecher.listen()]);
      await honest.seed(file, { meta });
      // the liar claims to have the real file: it serves bad.bin under the real torrent
      const liarStore = await PieceStore.openSeed(bad, meta, { verify: false });
      (liar as any).add(meta, liarStore).start();
      const out = join(tmp.dir, 'out');
      await fsp.mkdir(out);
      const s = await leecher.download(meta, out);
      const banned: string[] = [];
      s.on('peerBanned', (address) => banned.push(address));
      const done = new Promise<string>((resolve) => s.on('done', resolve));
      s.addCandidates([{ ip: '127.0.0.1', port: liar.port }, { ip: '127.0.0.1', port: honest.port }]);
      const path = await done;
      assert.equal(await sha256File(path), await sha256File(file));
      assert.deepEqual(banned, [`127.0.0.1:${liar.port}`]);
      assert.ok(!s.contributions.has(honest.peerId.toString('hex')) || s.contributions.get(honest.peerId.toString('hex'))! > 0);
    } finally {
      await Promise.all([honest.close(), liar.close(), leecher.close()]);
    }
  });

  it('refuses a torrent whose name escapes the download folder and writes nothing outside it', async () => {
    const meta = await createTorrent(file, { pieceLength: 256 * 1024, announce: tracker!.announce });
    const out = join(tmp.dir, 'deep', 'out');
    await fsp.mkdir(out, { recursive: true });
    for (const name of ['../escaped.bin', '..', '/tmp/abs.bin', 'a/../../b.bin', 'C:evil.bin', 'nul\0byte.bin']) {
      const top = decode(meta.torrent);
      top.info.name = Buffer.from(name);
      const torrentPath = join(tmp.dir, 'evil.torrent');
      await fsp.writeFile(torrentPath, encode(top));
      parseTorrent(await fsp.readFile(torrentPath)); // the torrent itself is well-formed
      const got = await runGet([torrentPath, '--out', out], 20_000);
      assert.equal(got.code, 1, `name ${JSON.stringify(name)} was accepted`);
      assert.match(got.stderr, /name|path|folder/i);
    }
    assert.deepEqual(await fsp.readdir(out), []);
    assert.deepEqual((await fsp.readdir(join(tmp.dir, 'deep'))).sort(), ['out']);
    assert.ok(!(await fsp.stat('/tmp/abs.bin').catch(() => undefined)));
  });

  it('never overwrites a different file at the target; --if-exists suffix writes beside it', async () => {
    procs.push(await startSeeder([file], tracker!.announce, [], env));
    const out = join(tmp.dir, 'out');
    await fsp.mkdir(out);
    await fsp.writeFile(join(out, 'image.bin'), 'my own notes, not the image');
    const refused = await runGet(['image.bin', '--tracker', tracker!.announce, '--out', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already exists/);
    assert.equal(await fsp.readFile(join(out, 'image.bin'), 'utf8'), 'my own notes, not the image');

    const beside = await runGet(['image.bin', '--tracker', tracker!.announce, '--out', out, '--if-exists', 'suffix']);
    assert.equal(beside.code, 0, beside.stderr.slice(-2000));
    assert.equal(await fsp.readFile(join(out, 'image.bin'), 'utf8'), 'my own notes, not the image');
    assert.equal(await sha256File(join(out, 'image (1).bin')), await sha256File(file));

    // the same content already there: nothing is downloaded, it is simply seeded
    const out2 = join(tmp.dir, 'out2');
    await fsp.mkdir(out2);
    await fsp.copyFile(file, join(out2, 'image.bin'));
    const same = await runGet(['image.bin', '--tracker', tracker!.announce, '--out', out2]);
    assert.equal(same.code, 0, same.stderr.slice(-2000));
    const done = same.events.find((e) => e.type === 'complete')!;
    assert.equal(done.reason, 'already have it');
    assert.deepEqual(await fsp.readdir(out2), ['image.bin']);
  });
});
