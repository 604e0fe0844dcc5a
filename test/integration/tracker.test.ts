// The tracker over real HTTP on loopback: announce, scrape, catalog, expiry, IPv6, ip param.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createTcpServer, Server as TcpServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '../../src/core/bencode';
import { createTorrent, Metainfo } from '../../src/core/metainfo';
import { TrackerOptions, TrackerServer } from '../../src/core/tracker/server';
import { AnnounceParams, announceQuery, pct, peerId } from '../helpers/announce';
import { bdecodeRawKeys } from '../helpers/bencodeRawKeys';
import { makeTempDir, writeRandomFile } from '../helpers/files';
import { httpGet, httpRequest } from '../helpers/http';
import { startTrackerChild } from '../helpers/sta';
import { sleep } from '../helpers/wait';

interface Peer {
  ip: string;
  port: number;
  id?: Buffer;
}

function compactPeers(buf: Buffer, v6 = false): Peer[] {
  const size = v6 ? 18 : 6;
  assert.equal(buf.length % size, 0, `compact peers string of ${buf.length} bytes`);
  const out: Peer[] = [];
  for (let i = 0; i < buf.length; i += size) {
    const ip = v6
      ? Array.from({ length: 8 }, (_, g) => buf.readUInt16BE(i + g * 2).toString(16)).join(':').replace(/^(0:)+/, '::').replace(/:(0:)+/, '::')
      : [...buf.subarray(i, i + 4)].join('.');
    out.push({ ip, port: buf.readUInt16BE(i + size - 2) });
  }
  return out;
}

const key = (p: Peer) => `${p.ip}:${p.port}`;

describe('tracker over HTTP', function () {
  this.timeout(60_000);
  const trackers: TrackerServer[] = [];
  let dir: string;
  let cleanup: () => Promise<void>;
  const metas: Metainfo[] = [];

  async function start(opts: TrackerOptions = {}): Promise<TrackerServer> {
    const t = new TrackerServer({ host: '127.0.0.1', port: 0, interval: 60, ...opts });
    await t.listen();
    trackers.push(t);
    return t;
  }

  async function announce(t: TrackerServer | string, p: AnnounceParams): Promise<any> {
    const url = typeof t === 'string' ? t : t.announceUrl;
    const r = await httpGet(`${url}?${announceQuery(p)}`);
    const body = decode(r.body);
    assert.equal(r.status, 200, `announce failed: ${body['failure reason']}`);
    assert.equal(body['failure reason'], undefined);
    return body;
  }

  async function scrape(t: TrackerServer, hashes: Buffer[]): Promise<{ status: number; body: any }> {
    const r = await httpGet(`${t.baseUrl}/scrape?${hashes.map((h) => `info_hash=${pct(h)}`).join('&')}`);
    decode(r.body); // strictly valid bencode
    return { status: r.status, body: bdecodeRawKeys(r.body) };
  }

  async function stats(t: TrackerServer, ih: Buffer): Promise<{ complete: number; incomplete: number; downloaded: number }> {
    const r = await scrape(t, [ih]);
    assert.equal(r.status, 200);
    const e = r.body.files[ih.toString('latin1')];
    assert.ok(e, 'scrape lacks the info-hash');
    return { ...e };
  }

  before(async () => {
    ({ dir, cleanup } = await makeTempDir('sta-tracker-'));
    for (const [i, size] of [100_000, 70_000].entries()) {
      const f = join(dir, `file${i}.bin`);
      await writeRandomFile(f, size);
      metas.push(await createTorrent(f, { announce: 'http://127.0.0.1:1/announce', private: true }));
    }
  });

  after(async () => {
    for (const t of trackers) await t.close().catch(() => undefined);
    await cleanup?.();
  });

  it('announce lifecycle: peers see each other, never themselves; completed moves a peer and counts in scrape', async () => {
    const t = await start();
    const ih = randomBytes(20);
    const a = peerId('AA0001');
    const b = peerId('BB0001');
    const c = peerId('CC0001');

    let r = await announce(t, { infoHash: ih, peerId: a, port: 6001, event: 'started', left: 500 });
    assert.equal(r.interval, 60);
    assert.equal(r['min interval'], 30);
    assert.equal(r.complete, 0);
    assert.equal(r.incomplete, 1);
    assert.equal(r['sta catalog'], 0);
    assert.deepEqual(compactPeers(r.peers), [], 'the only peer gets nobody, not itself');

    r = await announce(t, { infoHash: ih, peerId: b, port: 6002, event: 'started', left: 500 });
    assert.equal(r.incomplete, 2);
    assert.deepEqual(compactPeers(r.peers).map(key), ['127.0.0.1:6001']);

    for (let i = 0; i < 10; i++) {
      r = await announce(t, { infoHash: ih, peerId: a, port: 6001, left: 400 });
      assert.deepEqual(compactPeers(r.peers).map(key), ['127.0.0.1:6002'], 'A sees B and never itself');
    }
    assert.deepEqual(await stats(t, ih), { complete: 0, downloaded: 0, incomplete: 2 });

    r = await announce(t, { infoHash: ih, peerId: a, port: 6001, event: 'completed', left: 0 });
    assert.equal(r.complete, 1);
    assert.equal(r.incomplete, 1);
    assert.deepEqual(await stats(t, ih), { complete: 1, downloaded: 1, incomplete: 1 });
    // a regular re-announce with left=0 keeps it a seeder and does not count again
    r = await announce(t, { infoHash: ih, peerId: a, port: 6001, left: 0 });
    assert.deepEqual(await stats(t, ih), { complete: 1, downloaded: 1, incomplete: 1 });
    assert.deepEqual(compactPeers(r.peers).map(key), ['127.0.0.1:6002']);

    // a seeder joining gets the other seeder too (leechers cannot fill its numwant); the
    // leecher sees both seeders
    r = await announce(t, { infoHash: ih, peerId: c, port: 6003, event: 'started', left: 0 });
    assert.deepEqual(compactPeers(r.peers).map(key).sort(), ['127.0.0.1:6001', '127.0.0.1:6002']);
    r = await announce(t, { infoHash: ih, peerId: b, port: 6002, left: 100 });
    assert.deepEqual(compactPeers(r.peers).map(key).sort(), ['127.0.0.1:6001', '127.0.0.1:6003']);
    assert.equal(r.complete, 2);

    // the same peer id from a new port moves, it is not duplicated
    await announce(t, { infoHash: ih, peerId: b, port: 7002, left: 100 });
    r = await announce(t, { infoHash: ih, peerId: a, port: 6001, left: 0 });
    assert.deepEqual(compactPeers(r.peers).map(key).sort(), ['127.0.0.1:6003', '127.0.0.1:7002']);
    assert.deepEqual(await stats(t, ih), { complete: 2, downloaded: 1, incomplete: 1 });

    // stopped removes at once, and the stopping peer gets no peers
    r = await announce(t, { infoHash: ih, peerId: b, port: 7002, event: 'stopped', left: 100 });
    assert.deepEqual(compactPeers(r.peers), []);
    assert.deepEqual(await stats(t, ih), { complete: 2, downloaded: 1, incomplete: 0 });
    r = await announce(t, { infoHash: ih, peerId: a, port: 6001, event: 'stopped', left: 0 });
    r = await announce(t, { infoHash: ih, peerId: c, port: 6003, event: 'stopped', left: 0 });
    assert.deepEqual(await stats(t, ih), { complete: 0, downloaded: 1, incomplete: 0 });
    // stopping twice, or a peer never seen, is harmless
    r = await announce(t, { infoHash: ih, peerId: c, port: 6003, event: 'stopped', left: 0 });
    assert.equal(r.complete, 0);
    r = await announce(t, { infoHash: randomBytes(20), peerId: c, port: 6003, event: 'stopped', left: 0 });
    assert.equal(r.complete, 0);
  });

  it('a seeder gets only leechers when they fill its numwant, seeders too otherwise (magnet clients announce left=0)', async () => {
    const t = await start();
    const ih = randomBytes(20);
    const tag = (prefix: string, i: number) => peerId(prefix + String(i).padStart(4, '0'));
    for (let i = 0; i < 5; i++) await announce(t, { infoHash: ih, peerId: tag('LE', i), port: 6800 + i, left: 10, event: 'started' });
    for (let i = 0; i < 3; i++) await announce(t, { infoHash: ih, peerId: tag('SE', i), port: 6900 + i, left: 0, event: 'started' });
    const seeder = peerId('SE9999');
    for (const numwant of [1, 3, 5]) {
      const r = await announce(t, { infoHash: ih, peerId: seeder, port: 6999, left: 0, numwant });
      const ports = compactPeers(r.peers).map((p) => p.port);
      assert.equal(ports.length, numwant);
      assert.ok(ports.every((p) => p >= 6800 && p < 6805), `numwant ${numwant}: only leechers, got ${ports}`);
    }
    let r = await announce(t, { infoHash: ih, peerId: seeder, port: 6999, left: 0 });
    assert.equal(compactPeers(r.peers).length, 8, 'everyone else when leechers cannot fill numwant 50');
    // aria2c fetching a magnet link's metadata announces left=0: it must still find the seeder
    const ih2 = randomBytes(20);
    await announce(t, { infoHash: ih2, peerId: peerId('SEED01'), port: 7001, left: 0, event: 'started' });
    r = await announce(t, { infoHash: ih2, peerId: peerId('MAGNET'), port: 7002, left: 0, event: 'started' });
    assert.deepEqual(compactPeers(r.peers).map(key), ['127.0.0.1:7001']);
  });

  it('compact, and compact=0 with or without no_peer_id: ip and port, never a peer id', async () => {
    const t = await start();
    const ih = randomBytes(20);
    const ids = [peerId('AA0002'), peerId('BB0002'), peerId('CC0002')];
    for (const [i, id] of ids.entries()) await announce(t, { infoHash: ih, peerId: id, port: 6100 + i, event: 'started' });
    const asker = peerId('DD0002');

    let r = await announce(t, { infoHash: ih, peerId: asker, port: 6200 });
    assert.ok(Buffer.isBuffer(r.peers), 'compact is the default');
    assert.deepEqual(compactPeers(r.peers).map(key).sort(), ['127.0.0.1:6100', '127.0.0.1:6101', '127.0.0.1:6102']);
    assert.equal(r.peers6, undefined, 'no peers6 key when there are no IPv6 peers');

    r = await announce(t, { infoHash: ih, peerId: asker, port: 6200, compact: 1 });
    assert.equal(r.peers.length, 18);

    r = await announce(t, { infoHash: ih, peerId: asker, port: 6200, compact: 0 });
    assert.ok(Array.isArray(r.peers));
    assert.equal(r.peers.length, 3);
    const byPort = new Map<number, any>(r.peers.map((p: any) => [p.port, p]));
    for (const i of ids.keys()) {
      const p = byPort.get(6100 + i);
      assert.ok(p, `peer on ${6100 + i}`);
      assert.deepEqual(Object.keys(p).sort(), ['ip', 'port']);
      assert.equal(p.ip.toString(), '127.0.0.1');
    }

    r = await announce(t, { infoHash: ih, peerId: asker, port: 6200, compact: 0, noPeerId: true });
    assert.equal(r.peers.length, 3);
    for (const p of r.peers) {
      assert.deepEqual(Object.keys(p).sort(), ['ip', 'port']);
      assert.equal(p.ip.toString(), '127.0.0.1');
    }
  });

  it('numwant: 50 by default, as asked below that, capped at maxPeers, 0 gives none', async () => {
    const t = await start({ maxPeers: 60 });
    const ih = randomBytes(20);
    for (let i = 0; i < 80; i++) await announce(t, { infoHash: ih, peerId: peerId('NW' + String(i).padStart(4, '0')), port: 10_000 + i, event: 'started' });
    const me = peerId('ME0001');
    const count = async (numwant?: number) => {
      const r = await announce(t, { infoHash: ih, peerId: me, port: 9999, numwant });
      const peers = compactPeers(r.peers);
      assert.equal(new Set(peers.map(key)).size, peers.length, 'no duplicates');
      assert.ok(!peers.some((p) => p.port === 9999), 'never itself');
      return peers.length;
    };
    assert.equal(await count(), 50);
    assert.equal(await count(10), 10);
    assert.equal(await count(60), 60);
    assert.equal(await count(1000), 60);
    assert.equal(await count(0), 0);
    assert.equal(await count(1), 1);

    const t2 = await start({ maxPeers: 20 });
    for (let i = 0; i < 30; i++) await announce(t2, { infoHash: ih, peerId: peerId('NX' + String(i).padStart(4, '0')), port: 10_000 + i, event: 'started' });
    const r = await announce(t2, { infoHash: ih, peerId: me, port: 9999 });
    assert.equal(compactPeers(r.peers).length, 20, 'the default numwant is capped at maxPeers too');
  });

  it('expiry with interval 1: a silent peer is gone after ~2–3 s, a live one stays', async () => {
    const t = await start({ interval: 1, minInterval: 1 });
    const ih = randomBytes(20);
    const silent = peerId('SI0001');
    const live = peerId('LI0001');
    const t0 = Date.now();
    await announce(t, { infoHash: ih, peerId: silent, port: 6301, event: 'started' });
    await announce(t, { infoHash: ih, peerId: live, port: 6302, event: 'started' });
    assert.equal((await stats(t, ih)).incomplete, 2);
    let gone = 0;
    while (Date.now() - t0 < 8000) {
      await announce(t, { infoHash: ih, peerId: live, port: 6302 });
      if ((await stats(t, ih)).incomplete === 1) {
        gone = Date.now() - t0;
        break;
      }
      await sleep(250);
    }
    assert.ok(gone > 0, 'the silent peer was never expired');
    assert.ok(gone >= 1900, `expired too early: after ${gone} ms`);
    assert.ok(gone <= 4500, `expired too late: after ${gone} ms`);
    const r = await announce(t, { infoHash: ih, peerId: live, port: 6302 });
    assert.deepEqual(compactPeers(r.peers), []);
  });

  it('scrape: several info_hash values, unknown ones as zeros, full scrape, and the cap', async () => {
    const t = await start({ maxScrape: 5 });
    const hs = [randomBytes(20), randomBytes(20), randomBytes(20)];
    await announce(t, { infoHash: hs[0], peerId: peerId(), port: 6401, left: 0, event: 'started' });
    await announce(t, { infoHash: hs[0], peerId: peerId(), port: 6402, left: 10, event: 'started' });
    await announce(t, { infoHash: hs[1], peerId: peerId(), port: 6403, left: 10, event: 'started' });
    const c = peerId();
    await announce(t, { infoHash: hs[2], peerId: c, port: 6404, left: 10, event: 'started' });
    await announce(t, { infoHash: hs[2], peerId: c, port: 6404, left: 0, event: 'completed' });
    const unknown = randomBytes(20);

    const r = await scrape(t, [...hs, unknown]);
    assert.equal(r.status, 200);
    const files = r.body.files;
    assert.equal(Object.keys(files).length, 4);
    const get = (h: Buffer) => ({ ...files[h.toString('latin1')] });
    assert.deepEqual(get(hs[0]), { complete: 1, downloaded: 0, incomplete: 1 });
    assert.deepEqual(get(hs[1]), { complete: 0, downloaded: 0, incomplete: 1 });
    assert.deepEqual(get(hs[2]), { complete: 1, downloaded: 1, incomplete: 0 });
    assert.deepEqual(get(unknown), { complete: 0, downloaded: 0, incomplete: 0 });
    // keys are the raw 20-byte hashes
    const raw = (await httpGet(`${t.baseUrl}/scrape?info_hash=${pct(hs[1])}`)).body;
    assert.ok(raw.includes(Buffer.concat([Buffer.from('20:'), hs[1]])));

    // full scrape lists every swarm
    const all = bdecodeRawKeys((await httpGet(`${t.baseUrl}/scrape`)).body).files;
    assert.equal(Object.keys(all).length, 3);

    // the cap: 5 is fine, 6 is refused with a failure reason
    const five = await scrape(t, Array.from({ length: 5 }, () => randomBytes(20)));
    assert.equal(five.status, 200);
    assert.equal(Object.keys(five.body.files).length, 5);
    const six = await scrape(t, Array.from({ length: 6 }, () => randomBytes(20)));
    assert.ok(six.status >= 400 && six.status < 500, `status ${six.status}`);
    assert.match(six.body['failure reason'].toString(), /more than 5/);
    // 20-byte keys that differ only in non-UTF-8 bytes stay distinct
    const twins = [Buffer.alloc(20, 0xff), Buffer.alloc(20, 0xfe)];
    const tw = await scrape(t, twins);
    assert.equal(Object.keys(tw.body.files).length, 2);
  });

  it('catalog: publish, list, fetch the same .torrent bytes, entry JSON, sta catalog flag', async () => {
    const t = await start();
    const m = metas[0];
    const post = (body: Buffer, path = 'docs/file0.bin') =>
      httpRequest('POST', `${t.baseUrl}/catalog?path=${encodeURIComponent(path)}`, body, { 'Content-Type': 'application/x-bittorrent' });
    let r = await post(m.torrent);
    assert.equal(r.status, 201, r.body.toString());
    const created = JSON.parse(r.body.toString());
    assert.equal(created.infoHash, m.infoHashHex);
    assert.equal(created.path, 'docs/file0.bin');
    r = await post(m.torrent, 'moved/file0.bin');
    assert.equal(r.status, 200, 'republishing from the same address moves it');
    assert.equal(JSON.parse(r.body.toString()).path, 'moved/file0.bin');

    // a seeder and a leecher in its swarm show up in the listing
    await announce(t, { infoHash: m.infoHash, peerId: peerId(), port: 6501, left: 0, event: 'started' });
    const ann = await announce(t, { infoHash: m.infoHash, peerId: peerId(), port: 6502, left: 5, event: 'started' });
    assert.equal(ann['sta catalog'], 1);
    assert.equal((await announce(t, { infoHash: metas[1].infoHash, peerId: peerId(), port: 6503 }))['sta catalog'], 0);

    r = await httpGet(`${t.baseUrl}/catalog`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /application\/json/);
    const list = JSON.parse(r.body.toString());
    assert.equal(list.files.length, 1);
    const e = list.files[0];
    assert.deepEqual(
      { ...e, publishedAt: undefined },
      {
        name: 'file0.bin',
        path: 'moved/file0.bin',
        length: 100_000,
        pieceLength: m.pieceLength,
        pieceCount: m.pieceCount,
        infoHash: m.infoHashHex,
        magnet: e.magnet,
        seeders: 1,
        leechers: 1,
        completed: 0,
        publishedAt: undefined,
      },
    );
    assert.ok(!Number.isNaN(Date.parse(e.publishedAt)));
    assert.match(e.magnet, new RegExp(`^magnet:\\?xt=urn:btih:${m.infoHashHex}`));

    r = await httpGet(`${t.baseUrl}/catalog/${m.infoHashHex}.torrent`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-bittorrent');
    assert.ok(r.body.equals(m.torrent), '.torrent bytes are served unchanged');
    r = await httpGet(`${t.baseUrl}/catalog/${m.infoHashHex.toUpperCase()}.torrent`);
    assert.ok(r.body.equals(m.torrent));

    r = await httpGet(`${t.baseUrl}/catalog/${m.infoHashHex}`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.toString()).infoHash, m.infoHashHex);

    r = await httpGet(`${t.baseUrl}/catalog/${'0'.repeat(40)}.torrent`);
    assert.equal(r.status, 404);
    assert.match(JSON.parse(r.body.toString()).error, /no published file/);

    // a hostile display path, or one that does not end in the torrent's name, is refused
    for (const bad of ['../../etc/passwd', '/abs/path', 'C:/x', 'a//b', 'a/./b', 'x\0y', '../file1.bin', 'a/other.bin']) {
      r = await post(metas[1].torrent, bad);
      assert.equal(r.status, 400, `${bad}: ${r.status}`);
      assert.equal(typeof JSON.parse(r.body.toString()).error, 'string');
    }
    assert.equal((await httpGet(`${t.baseUrl}/catalog/${metas[1].infoHashHex}`)).status, 404);
  });

  it('publish validation: bad bencode and wrong pieces length → 400 JSON; oversized → 413', async () => {
    const t = await start();
    const post = (body: Buffer, headers: Record<string, string | number> = {}) => httpRequest('POST', `${t.baseUrl}/catalog?path=file0.bin`, body, headers);
    const expectError = async (p: Promise<{ status: number; body: Buffer }>, status: number, re: RegExp) => {
      const r = await p;
      assert.equal(r.status, status, r.body.toString());
      const j = JSON.parse(r.body.toString());
      assert.match(j.error, re);
    };
    await expectError(post(Buffer.from('d4:infod')), 400, /not a valid .torrent/);
    await expectError(post(Buffer.from('i01e')), 400, /not a valid .torrent/);
    await expectError(post(Buffer.alloc(0)), 400, /not a valid .torrent/);
    await expectError(post(randomBytes(1000)), 400, /not a valid .torrent/);
    const top = decode(metas[0].torrent);
    top.info.pieces = top.info.pieces.subarray(0, top.info.pieces.length - 20);
    await expectError(post(encode(top)), 400, /pieces/);
    top.info.pieces = Buffer.concat([top.info.pieces, Buffer.alloc(21)]);
    await expectError(post(encode(top)), 400, /pieces/);
    // oversized, declared by Content-Length
    await expectError(post(Buffer.alloc(5 * 1024 * 1024, 0x61)), 413, /at most/);
    // oversized, chunked (no Content-Length): cut off while reading
    const chunked = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = require('node:http').request(`${t.baseUrl}/catalog`, { method: 'POST', agent: false }, (res: any) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < 6 * 1024 * 1024) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024, 0x62))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(chunked.status, 413);
    assert.match(JSON.parse(chunked.body.toString()).error, /at most/);
    // nothing got in, and the tracker still works
    assert.deepEqual(JSON.parse((await httpGet(`${t.baseUrl}/catalog`)).body.toString()), { files: [] });
    assert.equal((await post(metas[0].torrent)).status, 201);
  });

  it('catalog entries go with their last seeder (stop), or at sweep time when no seeder came', async () => {
    const t = await start();
    const m = metas[0];
    const publish = async () => assert.equal((await httpRequest('POST', `${t.baseUrl}/catalog`, m.torrent)).status, 201);
    const listed = async () => JSON.parse((await httpGet(`${t.baseUrl}/catalog`)).body.toString()).files.length;

    await publish();
    const s1 = peerId();
    const s2 = peerId();
    const l = peerId();
    await announce(t, { infoHash: m.infoHash, peerId: s1, port: 6601, left: 0, event: 'started' });
    await announce(t, { infoHash: m.infoHash, peerId: s2, port: 6602, left: 0, event: 'started' });
    await announce(t, { infoHash: m.infoHash, peerId: l, port: 6603, left: 9, event: 'started' });
    await announce(t, { infoHash: m.infoHash, peerId: l, port: 6603, left: 9, event: 'stopped' });
    assert.equal(await listed(), 1, 'a leecher leaving changes nothing');
    await announce(t, { infoHash: m.infoHash, peerId: s1, port: 6601, left: 0, event: 'stopped' });
    assert.equal(await listed(), 1, 'one seeder is left');
    const r = await announce(t, { infoHash: m.infoHash, peerId: s2, port: 6602, left: 0, event: 'stopped' });
    assert.equal(r['sta catalog'], 0);
    assert.equal(await listed(), 0, 'gone with the last seeder');

    // published, but no seeder ever announces: kept for a while, dropped by a later sweep
    await publish();
    t.sweep(Date.now());
    assert.equal(await listed(), 1);
    // a leecher that comes and goes meanwhile is not the last seeder leaving
    const l2 = peerId();
    await announce(t, { infoHash: m.infoHash, peerId: l2, port: 6605, left: 9, event: 'started' });
    await announce(t, { infoHash: m.infoHash, peerId: l2, port: 6605, left: 9, event: 'stopped' });
    assert.equal(await listed(), 1, 'a leecher stopping before any seeder came does not drop a fresh entry');
    t.sweep(Date.now() + 3 * 60_000 + 2000);
    assert.equal(await listed(), 0);

    // published with a live seeder: a sweep long after keeps it while the seeder announces
    await publish();
    const s3 = peerId();
    await announce(t, { infoHash: m.infoHash, peerId: s3, port: 6604, left: 0, event: 'started' });
    t.sweep(Date.now() + 1000);
    assert.equal(await listed(), 1);
  });

  it('a restarted tracker: catalog empty, announce says sta catalog 0, republish sets it to 1', async () => {
    const t1 = await start();
    const m = metas[1];
    assert.equal((await httpRequest('POST', `${t1.baseUrl}/catalog?path=a/file1.bin`, m.torrent)).status, 201);
    const seeder = peerId();
    assert.equal((await announce(t1, { infoHash: m.infoHash, peerId: seeder, port: 6701, left: 0, event: 'started' }))['sta catalog'], 1);
    const port = t1.address().port;
    const oldUrl = t1.announceUrl;
    await t1.close();

    const t2 = await start({ port });
    assert.equal(t2.announceUrl, oldUrl);
    assert.deepEqual(JSON.parse((await httpGet(`${t2.baseUrl}/catalog`)).body.toString()), { files: [] });
    assert.equal((await httpGet(`${t2.baseUrl}/catalog/${m.infoHashHex}.torrent`)).status, 404);
    let r = await announce(t2, { infoHash: m.infoHash, peerId: seeder, port: 6701, left: 0 });
    assert.equal(r['sta catalog'], 0);
    assert.equal((await httpRequest('POST', `${t2.baseUrl}/catalog?path=a/file1.bin`, m.torrent)).status, 201);
    r = await announce(t2, { infoHash: m.infoHash, peerId: seeder, port: 6701, left: 0 });
    assert.equal(r['sta catalog'], 1);
    const files = JSON.parse((await httpGet(`${t2.baseUrl}/catalog`)).body.toString()).files;
    assert.equal(files.length, 1);
    assert.equal(files[0].infoHash, m.infoHashHex);
    assert.equal(files[0].path, 'a/file1.bin');
    assert.equal(files[0].seeders, 1);
  });

  it('IPv6: a peer announcing over ::1 reaches an IPv4 peer in peers6', async () => {
    // the tracker listens on 127.0.0.1; a second listener on [::1] hands its connections to
    // the same HTTP server, so the tracker sees a real IPv6 socket address
    const v6Listener: TcpServer = createTcpServer();
    const canBind = await new Promise<boolean>((resolve) => {
      v6Listener.once('error', () => resolve(false));
      v6Listener.listen(0, '::1', () => resolve(true));
    });
    if (!canBind) {
      const has = Object.values(networkInterfaces()).some((list) => (list ?? []).some((a) => a.family === 'IPv6' && a.address === '::1'));
      assert.equal(has, false, '::1 is configured on an interface but could not be bound');
      console.log('      (::1 is not configured on this machine: IPv6 announce not exercised)');
      return;
    }
    try {
      const t = await start();
      // whichever server object inside the tracker is listening takes the connection
      const inner = Object.values(t as object).flatMap((v) => [v, ...(v && typeof v === 'object' ? Object.values(v) : [])]);
      const listening = inner.find((v): v is TcpServer => v instanceof TcpServer && v.listening);
      assert.ok(listening, 'no listening server inside the tracker');
      v6Listener.on('connection', (sock) => listening.emit('connection', sock));
      const v6Url = `http://[::1]:${(v6Listener.address() as { port: number }).port}/announce`;
      const ih = randomBytes(20);
      const p6 = peerId('V60001');
      let r = await announce(v6Url, { infoHash: ih, peerId: p6, port: 6881, event: 'started' });
      assert.deepEqual(compactPeers(r.peers), []);

      r = await announce(t, { infoHash: ih, peerId: peerId('V40001'), port: 6882, event: 'started' });
      assert.deepEqual(compactPeers(r.peers), [], 'no IPv6 peer in the 6-byte list');
      assert.ok(Buffer.isBuffer(r.peers6), 'peers6 present');
      assert.deepEqual(compactPeers(r.peers6, true), [{ ip: '::1', port: 6881 }]);
      assert.deepEqual(r.peers6, Buffer.concat([Buffer.alloc(15), Buffer.from([1, 6881 >> 8, 6881 & 255])]));

      r = await announce(t, { infoHash: ih, peerId: peerId('V40002'), port: 6883, compact: 0 });
      const ips = r.peers.map((p: any) => `${p.ip}:${p.port}`).sort();
      assert.deepEqual(ips, ['127.0.0.1:6882', '::1:6881']);

      // and the IPv6 peer gets the IPv4 ones in `peers`
      r = await announce(v6Url, { infoHash: ih, peerId: p6, port: 6881 });
      assert.deepEqual(compactPeers(r.peers).map(key).sort(), ['127.0.0.1:6882', '127.0.0.1:6883']);
      assert.equal(r.peers6, undefined);
    } finally {
      await new Promise((resolve) => v6Listener.close(resolve));
    }
  });

  it('the ip parameter is ignored by default and honoured with trustIpParam', async () => {
    const ih = randomBytes(20);
    const plain = await start();
    await announce(plain, { infoHash: ih, peerId: peerId(), port: 6901, ip: '10.9.8.7', event: 'started' });
    await announce(plain, { infoHash: ih, peerId: peerId(), port: 6902, ip: 'not an ip', event: 'started' });
    let r = await announce(plain, { infoHash: ih, peerId: peerId(), port: 6903 });
    assert.deepEqual(compactPeers(r.peers).map(key).sort(), ['127.0.0.1:6901', '127.0.0.1:6902']);

    const trusting = await start({ trustIpParam: true });
    await announce(trusting, { infoHash: ih, peerId: peerId(), port: 6901, ip: '10.9.8.7', event: 'started' });
    await announce(trusting, { infoHash: ih, peerId: peerId(), port: 6902, ip: '2001:db8::5', event: 'started' });
    await announce(trusting, { infoHash: ih, peerId: peerId(), port: 6903, event: 'started' });
    r = await announce(trusting, { infoHash: ih, peerId: peerId(), port: 6904 });
    assert.deepEqual(compactPeers(r.peers).map(key).sort(), ['10.9.8.7:6901', '127.0.0.1:6903']);
    assert.deepEqual(compactPeers(r.peers6, true), [{ ip: '2001:db8::5', port: 6902 }]);
    const bad = await httpGet(`${trusting.announceUrl}?${announceQuery({ infoHash: ih, peerId: peerId(), port: 6905, ip: 'not an ip' })}`);
    assert.equal(bad.status, 400);
    assert.match(decode(bad.body)['failure reason'].toString(), /ip/);
  });

  it('the sta tracker CLI honours --trust-ip-param', async () => {
    for (const trust of [false, true]) {
      const child = await startTrackerChild(trust ? ['--trust-ip-param'] : []);
      try {
        const ih = randomBytes(20);
        await announce(child.announce, { infoHash: ih, peerId: peerId(), port: 6901, ip: '10.9.8.7', event: 'started' });
        const r = await announce(child.announce, { infoHash: ih, peerId: peerId(), port: 6902 });
        assert.deepEqual(compactPeers(r.peers).map(key), [trust ? '10.9.8.7:6901' : '127.0.0.1:6901']);
      } finally {
        await child.stop();
      }
    }
  });
});
