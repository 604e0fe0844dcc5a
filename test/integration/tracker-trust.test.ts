// The tracker against a hostile LAN (issue 8, item 4), in process over loopback: requests come
// from 127.0.0.1, .2 and .3 so the tracker sees different source addresses.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { decode, encode } from '../../src/core/bencode';
import { TrackerOptions, TrackerServer } from '../../src/core/tracker/server';
import { AnnounceParams, announceQuery, peerId } from '../helpers/announce';
import { bdecodeRawKeys } from '../helpers/bencodeRawKeys';
import { httpRequestFrom } from '../helpers/http';
import { sleep } from '../helpers/wait';
import { torrentOf } from '../unit/core/tracker/fixtures';

const from = httpRequestFrom;

const compact = (peers: Buffer) =>
  Array.from({ length: peers.length / 6 }, (_, i) => `${[...peers.subarray(i * 6, i * 6 + 4)].join('.')}:${peers.readUInt16BE(i * 6 + 4)}`);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A valid single-file .torrent named `name` with `pieces` pieces of 16 KiB. */
function bigTorrent(name: string, pieces: number): Buffer {
  return encode({ announce: 'http://127.0.0.1:1/announce', info: { length: pieces * 16384, name, 'piece length': 16384, pieces: randomBytes(20 * pieces) } });
}

describe('tracker under a hostile LAN', function () {
  this.timeout(60_000);
  const trackers: TrackerServer[] = [];
  const logged: string[] = [];
  const logger = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m), debug: () => undefined };

  async function start(opts: TrackerOptions = {}): Promise<TrackerServer> {
    const t = new TrackerServer({ host: '127.0.0.1', port: 0, logger, ...opts });
    await t.listen();
    trackers.push(t);
    return t;
  }
  const announce = async (t: TrackerServer, addr: string, p: AnnounceParams) => {
    const r = await from(addr, 'GET', `${t.announceUrl}?${announceQuery(p)}`);
    return { status: r.status, body: decode(r.body) };
  };
  const publish = (t: TrackerServer, addr: string, torrent: Buffer, path?: string) =>
    from(addr, 'POST', `${t.baseUrl}/catalog${path === undefined ? '' : `?path=${encodeURIComponent(path)}`}`, torrent);
  const entry = async (t: TrackerServer, hex: string) => JSON.parse((await from('127.0.0.1', 'GET', `${t.baseUrl}/catalog/${hex}`)).body.toString());

  after(async () => {
    for (const t of trackers) await t.close();
  });

  it('an update or stopped with a victim\'s peer id from another address changes nothing: no redirect, no removal', async () => {
    const t = await start();
    const m = torrentOf('victim.bin', 1);
    assert.equal((await publish(t, '127.0.0.1', m.torrent, 'v/victim.bin')).status, 201);
    const victim = peerId('VI0001');
    await announce(t, '127.0.0.1', { infoHash: m.infoHash, peerId: victim, port: 7001, left: 0, event: 'started' });
    const leecher = peerId('LE0001');
    const seen = async () => compact((await announce(t, '127.0.0.3', { infoHash: m.infoHash, peerId: leecher, port: 7003 })).body.peers);
    await announce(t, '127.0.0.2', { infoHash: m.infoHash, peerId: victim, port: 9999, left: 0 });
    assert.deepEqual(await seen(), ['127.0.0.1:7001'], 'leechers still get the victim, not the attacker');
    const stop = await announce(t, '127.0.0.2', { infoHash: m.infoHash, peerId: victim, port: 7001, left: 0, event: 'stopped' });
    assert.equal(stop.body.complete, 1, 'the victim still seeds');
    assert.deepEqual(await seen(), ['127.0.0.1:7001']);
    assert.equal((await entry(t, m.infoHashHex)).path, 'v/victim.bin', 'the catalog entry stays');
    // the victim itself still updates and stops
    await announce(t, '127.0.0.1', { infoHash: m.infoHash, peerId: victim, port: 7001, left: 0, event: 'stopped' });
    assert.equal((await from('127.0.0.1', 'GET', `${t.baseUrl}/catalog/${m.infoHashHex}`)).status, 404);
  });

  it('compact=0 answers give ip and port, never a peer id', async () => {
    const t = await start();
    const ih = randomBytes(20);
    await announce(t, '127.0.0.1', { infoHash: ih, peerId: peerId('ID0001'), port: 7101, event: 'started' });
    const r = await announce(t, '127.0.0.2', { infoHash: ih, peerId: peerId('ID0002'), port: 7102, compact: 0 });
    assert.equal(r.body.peers.length, 1);
    assert.deepEqual(Object.keys(r.body.peers[0]).sort(), ['ip', 'port']);
  });

  it('a catalog path changes only by its first publisher\'s address or a current seeder; anyone else gets 403', async () => {
    const t = await start();
    const m = torrentOf('file.bin', 2);
    assert.equal((await publish(t, '127.0.0.1', m.torrent, 'team/a/file.bin')).status, 201);
    const hijack = await publish(t, '127.0.0.2', m.torrent, 'evil/file.bin');
    assert.equal(hijack.status, 403);
    assert.equal(typeof JSON.parse(hijack.body.toString()).error, 'string');
    assert.equal((await entry(t, m.infoHashHex)).path, 'team/a/file.bin');
    await announce(t, '127.0.0.3', { infoHash: m.infoHash, peerId: peerId('SE0003'), port: 7203, left: 0, event: 'started' });
    assert.equal((await publish(t, '127.0.0.3', m.torrent, 'moved/file.bin')).status, 200, 'a current seeder may');
    assert.equal((await entry(t, m.infoHashHex)).path, 'moved/file.bin');
    assert.equal((await publish(t, '127.0.0.1', m.torrent, 'team/b/file.bin')).status, 200, 'the first publisher may');
    assert.equal((await entry(t, m.infoHashHex)).path, 'team/b/file.bin');
  });

  it('names and paths follow the downloader\'s rule, the path ends in the name, control characters are refused and never logged', async () => {
    const t = await start();
    const named = (name: string) => bigTorrent(name, 1);
    for (const name of ['evil\u202egnp.exe', 'line\nbreak.bin', 'bell\x07.bin', 'c1\x85.bin', '..', 'a/b.bin', 'C:x.bin', 'del\x7f.bin']) {
      const r = await publish(t, '127.0.0.1', named(name), undefined);
      assert.equal(r.status, 400, `name ${JSON.stringify(name)}: ${r.body}`);
    }
    const m = torrentOf('real.bin', 3);
    const badPaths = ['other.bin', 'dir/other.bin', '../real.bin', 'a//real.bin', '/abs/real.bin'];
    badPaths.push('d\u202e/real.bin', 'd\x85/real.bin', 'd\n/real.bin', 'x\0/real.bin');
    for (const path of badPaths) {
      const r = await publish(t, '127.0.0.1', m.torrent, path);
      assert.equal(r.status, 400, `path ${JSON.stringify(path)}: ${r.body}`);
    }
    assert.deepEqual(JSON.parse((await from('127.0.0.1', 'GET', `${t.baseUrl}/catalog`)).body.toString()).files, []);
    assert.equal((await publish(t, '127.0.0.1', m.torrent, 'docs\\real.bin')).status, 201);
    assert.equal((await entry(t, m.infoHashHex)).path, 'docs/real.bin');
    await from('127.0.0.1', 'GET', `${t.announceUrl}?event=%1b%5b31m%e2%80%ae%c2%85&info_hash=x`);
    await from('127.0.0.1', 'GET', `${t.baseUrl}/%1b%5b2J%e2%80%ae`);
    const bad = logged.filter((l) => CONTROL.test(l));
    assert.deepEqual(bad, [], 'log lines with control characters');
  });

  it('a .torrent cap near what STA produces: 10,000 pieces publish, 15,000 are refused with 413', async () => {
    const t = await start();
    const ok = bigTorrent('big.bin', 10_000);
    assert.equal((await publish(t, '127.0.0.1', ok, 'big.bin')).status, 201);
    const tooBig = await publish(t, '127.0.0.1', bigTorrent('bigger.bin', 15_000), 'bigger.bin');
    assert.equal(tooBig.status, 413);
    assert.match(JSON.parse(tooBig.body.toString()).error, /at most/);
  });

  it('catalog caps: files per address, total bytes', async () => {
    const t = await start({ maxEntriesPerAddress: 2 });
    for (const i of [1, 2]) assert.equal((await publish(t, '127.0.0.1', torrentOf(`p${i}.bin`, 10 + i).torrent)).status, 201);
    const third = await publish(t, '127.0.0.1', torrentOf('p3.bin', 13).torrent);
    assert.equal(third.status, 507);
    assert.match(JSON.parse(third.body.toString()).error, /2 files/);
    assert.equal((await publish(t, '127.0.0.2', torrentOf('p3.bin', 13).torrent)).status, 201, 'another address still may');
    const small = await start({ maxCatalogBytes: 1024 });
    assert.equal((await publish(small, '127.0.0.1', bigTorrent('a.bin', 20))).status, 201);
    assert.equal((await publish(small, '127.0.0.1', bigTorrent('b.bin', 20))).status, 507);
  });

  it('swarm caps: swarms, peers per swarm; refused with a failure reason, nothing created', async () => {
    const t = await start({ maxSwarms: 3, maxPeersPerSwarm: 2 });
    const hashes = Array.from({ length: 4 }, () => randomBytes(20));
    for (const ih of hashes.slice(0, 3)) {
      assert.equal((await announce(t, '127.0.0.1', { infoHash: ih, peerId: peerId(), port: 7300 })).status, 200);
    }
    const fourth = await announce(t, '127.0.0.1', { infoHash: hashes[3], peerId: peerId(), port: 7300 });
    assert.notEqual(fourth.status, 200);
    assert.match(fourth.body['failure reason'].toString(), /torrents/);
    assert.equal(Object.keys(bdecodeRawKeys((await from('127.0.0.1', 'GET', `${t.baseUrl}/scrape`)).body).files).length, 3);
    await announce(t, '127.0.0.1', { infoHash: hashes[0], peerId: peerId(), port: 7301 });
    const third = await announce(t, '127.0.0.1', { infoHash: hashes[0], peerId: peerId(), port: 7302 });
    assert.match(third.body['failure reason'].toString(), /peers/);
    assert.equal(third.body.incomplete, undefined);
  });

  it('announces per address per second: beyond the burst a failure reason; other addresses unaffected', async () => {
    const t = await start({ announceRate: 5, announceBurst: 5 });
    const ih = randomBytes(20);
    const me = peerId('RL0001');
    for (let i = 0; i < 5; i++) assert.equal((await announce(t, '127.0.0.1', { infoHash: ih, peerId: me, port: 7400 })).status, 200);
    const sixth = await announce(t, '127.0.0.1', { infoHash: ih, peerId: me, port: 7400 });
    assert.equal(sixth.status, 429);
    assert.match(sixth.body['failure reason'].toString(), /too many announces/);
    assert.equal((await announce(t, '127.0.0.2', { infoHash: ih, peerId: peerId(), port: 7401 })).status, 200);
    await sleep(450);
    assert.equal((await announce(t, '127.0.0.1', { infoHash: ih, peerId: me, port: 7400 })).status, 200, 'tokens come back');
  });

  it('open connections are capped: the oldest idle one is closed for a new one, so silent sockets cannot lock anyone out', async () => {
    const t = await start({ maxConnections: 8 });
    const silent: Socket[] = [];
    const closedAt: number[] = [];
    for (let i = 0; i < 8; i++) {
      const s = connect({ port: t.address().port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      s.on('error', () => undefined);
      s.on('close', () => closedAt.push(i));
      await new Promise((resolve) => s.once('connect', resolve));
      silent.push(s);
    }
    const t0 = Date.now();
    const r = await announce(t, '127.0.0.1', { infoHash: randomBytes(20), peerId: peerId(), port: 7500 });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 500);
    await sleep(50);
    assert.deepEqual(closedAt, [0], 'the oldest silent socket made room');
    for (const s of silent) s.destroy();
  });

  it('the catalog list and a full scrape are built at most once a second and served from cache', async () => {
    const t = await start();
    const m = torrentOf('cached.bin', 4);
    await publish(t, '127.0.0.1', m.torrent);
    const seeders = async () => JSON.parse((await from('127.0.0.1', 'GET', `${t.baseUrl}/catalog`)).body.toString()).files[0].seeders;
    assert.equal(await seeders(), 0);
    await announce(t, '127.0.0.1', { infoHash: m.infoHash, peerId: peerId(), port: 7600, left: 0, event: 'started' });
    assert.equal(await seeders(), 0, 'the list of a moment ago');
    const swarms = async () => Object.keys(bdecodeRawKeys((await from('127.0.0.1', 'GET', `${t.baseUrl}/scrape`)).body).files).length;
    assert.equal(await swarms(), 1);
    await announce(t, '127.0.0.1', { infoHash: randomBytes(20), peerId: peerId(), port: 7601 });
    assert.equal(await swarms(), 1, 'the full scrape of a moment ago');
    await sleep(1100);
    assert.equal(await seeders(), 1);
    assert.equal(await swarms(), 2);
    // a change to the catalog itself is never missed: the next list waits for the next build
    const m2 = torrentOf('fresh.bin', 5);
    await publish(t, '127.0.0.1', m2.torrent);
    const names = JSON.parse((await from('127.0.0.1', 'GET', `${t.baseUrl}/catalog`)).body.toString()).files.map((f: { name: string }) => f.name);
    assert.deepEqual(names, ['cached.bin', 'fresh.bin']);
  });

  it('one connection answers at most maxRequestsPerSocket pipelined requests, then closes', async () => {
    const t = await start({ maxRequestsPerSocket: 100 });
    const s = connect(t.address().port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const closed = new Promise((resolve) => s.once('close', resolve));
    const one = `GET /announce?${announceQuery({ infoHash: randomBytes(20), peerId: peerId(), port: 7700 })} HTTP/1.1\r\nHost: t\r\n\r\n`;
    s.write(one.repeat(150));
    await closed;
    const statuses = got.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    assert.equal(statuses.length, 100);
    assert.match(got.slice(got.lastIndexOf('HTTP/1.1')), /Connection: close/);
  });
});
