// `sta share` on a living folder (issue 9, items 1 and 2): files created, changed, renamed, deleted or
// written slowly reach the tracker's catalog within 2 s of settling; a file changed mid-transfer is
// never served from its old hashes, so no honest seeder is banned and the leecher ends intact.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import * as M from '../../src/core/wire/messages';
import { makeTempDir, sha256File, writeRandomFile } from '../helpers/files';
import { httpGet } from '../helpers/http';
import { waitForExit } from '../helpers/processes';
import { startSta, StaProcess, startTrackerChild, TrackerChild } from '../helpers/sta';
import { sleep, waitFor } from '../helpers/wait';

/** what the catalog may take after a file settles (the share settles 500 ms after the last write) */
const AFTER_SETTLE_MS = 2000;
const SETTLE_MS = 500;

describe('sta share: a living folder', function () {
  this.timeout(120_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let tracker: TrackerChild;
  const procs: StaProcess[] = [];
  let root: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    tmp = await makeTempDir('sta-live-');
    tracker = await startTrackerChild(['--interval', '1']);
    root = join(tmp.dir, 'ws');
    await fsp.mkdir(root);
    env = { XDG_CACHE_HOME: join(tmp.dir, 'cache') };
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    await tracker.stop();
    await tmp.cleanup();
  });

  type Listed = { path: string; infoHash: string; length: number; pieceLength: number };
  const catalog = async () => JSON.parse((await httpGet(tracker.catalog)).body.toString()).files as Listed[];
  const share = async (dir: string, extra: string[] = []) => {
    const p = startSta(['share', dir, '--tracker', tracker.announce, '--host', '127.0.0.1', ...extra], env);
    procs.push(p);
    await p.waitEvent((e) => e.type === 'listening', 'listening');
    return p;
  };
  /** Waits until the catalog satisfies `ok`; returns ms since `since`. */
  const catalogWithin = async (what: string, since: number, ok: (files: Listed[]) => boolean) => {
    await waitFor(what, async () => ok(await catalog()), SETTLE_MS + AFTER_SETTLE_MS + 3000, 50);
    const ms = Date.now() - since;
    assert.ok(ms <= SETTLE_MS + AFTER_SETTLE_MS, `${what}: ${ms} ms after the last write`);
  };

  it('create, modify, rename, delete and a slow write: the catalog follows within 2 s of the file settling', async () => {
    await fsp.writeFile(join(root, 'a.txt'), 'alpha');
    const p = await share(root);
    await p.waitEvent((e) => e.type === 'watching', 'watching the folder');
    await catalogWithin('a.txt listed', Date.now(), (f) => f.some((x) => x.path === 'a.txt'));

    let t = Date.now();
    await fsp.writeFile(join(root, 'b.bin'), 'bravo one');
    await catalogWithin('b.bin created', t, (f) => f.some((x) => x.path === 'b.bin'));
    const b1 = (await catalog()).find((x) => x.path === 'b.bin')!.infoHash;

    t = Date.now();
    await fsp.writeFile(join(root, 'b.bin'), 'bravo two, longer');
    await catalogWithin('b.bin modified', t, (f) => f.filter((x) => x.path === 'b.bin').length === 1 && f.find((x) => x.path === 'b.bin')!.infoHash !== b1);
    const updated = await p.waitEvent((e) => e.type === 'updated', 'an updated event');
    assert.equal(updated.previousInfoHash, b1);
    assert.equal(updated.path, join(root, 'b.bin'));

    t = Date.now();
    await fsp.rename(join(root, 'b.bin'), join(root, 'c.bin'));
    await catalogWithin('b.bin renamed to c.bin', t, (f) => f.some((x) => x.path === 'c.bin') && !f.some((x) => x.path === 'b.bin'));

    t = Date.now();
    await fsp.rm(join(root, 'c.bin'));
    await catalogWithin('c.bin deleted', t, (f) => !f.some((x) => x.path === 'c.bin'));
    assert.ok(p.events.some((e) => e.type === 'unshared' && e.path === join(root, 'c.bin')), 'an unshared event for c.bin');

    // written in five chunks over a second: published once, complete
    const fh = await fsp.open(join(root, 'slow.bin'), 'w');
    for (let i = 0; i < 5; i++) {
      await fh.write(Buffer.alloc(100_000, i));
      await sleep(250);
    }
    await fh.close();
    t = Date.now();
    await catalogWithin('slow.bin listed', t, (f) => f.some((x) => x.path === 'slow.bin'));
    await sleep(SETTLE_MS * 2);
    const slow = (await catalog()).filter((x) => x.path === 'slow.bin');
    assert.deepEqual(slow.map((x) => x.length), [500_000], 'one entry, the whole file');
    const slowEvents = p.events.filter((e) => (e.type === 'sharing' || e.type === 'updated') && e.path === join(root, 'slow.bin'));
    assert.deepEqual(slowEvents.map((e) => `${e.type} ${e.length}`), ['sharing 500000']);
    assert.deepEqual((await catalog()).map((x) => x.path).sort(), ['a.txt', 'slow.bin']);
  });

  it('a leecher while the seeder\'s file changes: the old or the new version intact, the seeder never banned, one entry per path', async () => {
    const file = join(root, 'big.bin');
    await writeRandomFile(file, 24 * 1024 * 1024);
    const oldSha = await sha256File(file);
    // a second seeder of the old version, in another folder: what the leecher can finish from
    const other = join(tmp.dir, 'other');
    await fsp.mkdir(other);
    await fsp.copyFile(file, join(other, 'big.bin'));
    const a = await share(root, ['--max-upload-rate', '2M']);
    await a.waitEvent((e) => e.type === 'sharing', 'seeder A sharing');
    const b = await share(other, ['--max-upload-rate', '2M']);
    await b.waitEvent((e) => e.type === 'sharing', 'seeder B sharing');
    const out = join(tmp.dir, 'out');
    const get = startSta(['get', 'big.bin', '--tracker', tracker.announce, '--out', out, '--host', '127.0.0.1', '--timeout', '90']);
    procs.push(get);
    const progress = () => [...get.events].reverse().find((e) => e.type === 'progress');
    await waitFor('download at 20%', () => (progress()?.verifiedBytes ?? 0) / 24 / 1024 / 1024 >= 0.2, 60_000, 50);
    // 8 MiB in the middle rewritten in place: same size, new bytes, new mtime
    const fh = await fsp.open(file, 'r+');
    await fh.write(Buffer.alloc(8 * 1024 * 1024, 0x5a), 0, 8 * 1024 * 1024, 8 * 1024 * 1024);
    await fh.close();
    const newSha = await sha256File(file);
    assert.equal(await waitForExit(get.child, 100_000), 0, get.stderr().slice(-3000));
    const got = await sha256File(join(out, 'big.bin'));
    assert.ok(got === oldSha || got === newSha, 'the download is neither version');
    assert.deepEqual(get.events.filter((e) => e.type === 'peer-banned'), [], 'an honest seeder was banned');
    assert.doesNotMatch(get.stderr(), /failed its SHA-1 check/, 'a wrong byte was served');
    await a.waitEvent((e) => e.type === 'updated', 'seeder A publishes the new version', 20_000);
    const newHash = a.events.find((e) => e.type === 'updated')!.infoHash;
    await waitFor('one catalog entry for big.bin, the new version', async () => {
      const entries = (await catalog()).filter((x) => x.path === 'big.bin');
      return entries.length === 1 && entries[0].infoHash === newHash;
    }, 10_000, 100);
  });

  it('1,000 files in 10 folders: all listed, a handful of descriptors held; a folder moved in is shared, one deleted is withdrawn', async () => {
    for (let d = 0; d < 10; d++) {
      await fsp.mkdir(join(root, `d${d}`));
      for (let i = 0; i < 100; i++) await fsp.writeFile(join(root, `d${d}`, `f${i}.txt`), `folder ${d} file ${i}`);
    }
    await fsp.mkdir(join(root, 'node_modules'));
    const p = await share(root);
    await p.waitEvent((e) => e.type === 'watching', 'watching the folder');
    await waitFor('1,000 files listed', async () => (await catalog()).length === 1000, 30_000, 200);
    // a descriptor per seeded file (or a watch per file) would be a thousand
    const fds = (await fsp.readdir(`/proc/${p.child.pid}/fd`)).length;
    assert.ok(fds < 100, `${fds} descriptors held`);

    const outside = join(tmp.dir, 'incoming');
    await fsp.mkdir(join(outside, 'deep'), { recursive: true });
    for (const rel of ['x.txt', 'deep/y.txt']) await fsp.writeFile(join(outside, rel), rel);
    let t = Date.now();
    await fsp.rename(outside, join(root, 'incoming'));
    await fsp.writeFile(join(root, 'node_modules', 'dep.js'), 'module.exports = 1');
    await catalogWithin('the folder moved in listed', t, (f) => ['incoming/x.txt', 'incoming/deep/y.txt'].every((r) => f.some((x) => x.path === r)));
    t = Date.now();
    await fsp.writeFile(join(root, 'incoming', 'deep', 'z.txt'), 'written in a folder that arrived later');
    await catalogWithin('a file in the moved-in folder listed', t, (f) => f.some((x) => x.path === 'incoming/deep/z.txt'));

    t = Date.now();
    await fsp.rm(join(root, 'd3'), { recursive: true });
    await catalogWithin('d3 withdrawn', t, (f) => !f.some((x) => x.path.startsWith('d3/')));
    const paths = (await catalog()).map((x) => x.path);
    assert.equal(paths.length, 903);
    assert.ok(!paths.some((x) => x.startsWith('node_modules/')), 'an excluded folder is never shared');
  });

  it('--no-watch: a file changed under a running share is never served from its old hashes, and is republished', async () => {
    const file = join(root, 'data.bin');
    await writeRandomFile(file, 4 * 1024 * 1024);
    const old = await fsp.readFile(file);
    const p = await share(root, ['--no-watch']);
    const shared = await p.waitEvent((e) => e.type === 'sharing', 'sharing');
    assert.ok(!p.events.some((e) => e.type === 'watching'));
    const listed = await waitFor('data.bin listed', async () => (await catalog()).find((x) => x.infoHash === shared.infoHash), 10_000, 50);
    const pieceLength = listed!.pieceLength;
    await sleep(50);
    const fh = await fsp.open(file, 'r+');
    await fh.write(Buffer.alloc(4 * 1024 * 1024, 0x33), 0, 4 * 1024 * 1024, 0);
    await fh.close();
    const port = p.events.find((e) => e.type === 'listening')!.port as number;
    const blocks = await fetchBlocks(port, Buffer.from(shared.infoHash, 'hex'), pieceLength);
    for (const blk of blocks) {
      const at = blk.index * pieceLength + blk.begin;
      const want = old.subarray(at, at + blk.data.length);
      assert.ok(blk.data.equals(want), `block ${blk.index}:${blk.begin} differs from the torrent's bytes`);
    }
    await waitFor('the new version published', async () => {
      const entries = (await catalog()).filter((x) => x.path === 'data.bin');
      return entries.length === 1 && entries[0].infoHash !== shared.infoHash;
    }, 10_000, 100);
  });
});

/**
 * A bare leecher: handshake, interested, and once unchoked a request for the first 64 blocks of
 * 16 KiB. Returns the blocks it got before the seeder stopped answering or closed (at most 3 s).
 */
async function fetchBlocks(port: number, infoHash: Buffer, pieceLength: number): Promise<{ index: number; begin: number; data: Buffer }[]> {
  const sock: Socket = connect({ host: '127.0.0.1', port });
  const got: { index: number; begin: number; data: Buffer }[] = [];
  let buf = Buffer.alloc(0);
  let shook = false;
  let requested = false;
  const done = new Promise<void>((resolve) => {
    sock.on('close', () => resolve());
    sock.on('error', () => resolve());
    setTimeout(resolve, 3000);
  });
  sock.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    if (!shook) {
      if (buf.length < M.HANDSHAKE_LENGTH) return;
      shook = true;
      buf = buf.subarray(M.HANDSHAKE_LENGTH);
      sock.write(M.INTERESTED);
    }
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const len = buf.readUInt32BE(0);
      const id = len > 0 ? buf[4] : -1;
      if (id === 1 && !requested) {
        requested = true;
        const perPiece = pieceLength / 16384;
        for (let i = 0; i < 64; i++) sock.write(M.request(Math.floor(i / perPiece), (i % perPiece) * 16384, 16384));
      }
      if (id === 7) got.push({ index: buf.readUInt32BE(5), begin: buf.readUInt32BE(9), data: Buffer.from(buf.subarray(13, 4 + len)) });
      buf = buf.subarray(4 + len);
    }
  });
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  sock.write(M.handshake(infoHash, M.makePeerId('9999')));
  await done;
  sock.destroy();
  return got;
}
