// Thousands of files cost nothing (issue 9, item 4), on the tracker: GET /catalog answers 304
// while the list is what the client holds (ETag); POST /announce-seeds announces many complete
// torrents of one peer in one request, with the same effect as one left=0 announce each;
// POST /catalog/batch publishes many .torrents with the single publish's rules per entry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decode, encode } from '../../src/core/bencode';
import type { Metainfo } from '../../src/core/metainfo';
import { TrackerOptions, TrackerServer } from '../../src/core/tracker/server';
import { fetchCatalogIfChanged } from '../../src/core/trackerClient/catalogClient';
import { announceQuery, pct, peerId } from '../helpers/announce';
import { bdecodeRawKeys } from '../helpers/bencodeRawKeys';
import { httpGet, httpRequest, httpRequestFrom, rawExchange } from '../helpers/http';
import { sleep } from '../helpers/wait';
import { torrentOf } from '../unit/core/tracker/fixtures';

const KEY = 'Batch_Key-0123456789abcdef';

describe('tracker batch routes: catalog ETag, seeds announce, batch publish', function () {
  this.timeout(60_000);
  const trackers: TrackerServer[] = [];
  afterEach(async () => {
    for (const t of trackers.splice(0)) await t.close();
  });

  async function start(opts: TrackerOptions = {}): Promise<TrackerServer> {
    const t = new TrackerServer({ host: '127.0.0.1', port: 0, interval: 60, ...opts });
    await t.listen();
    trackers.push(t);
    return t;
  }

  const publish = async (t: TrackerServer, m: Metainfo, from = '127.0.0.1') => {
    const r = await httpRequestFrom(from, 'POST', `${t.catalogUrl}?path=${encodeURIComponent(m.name)}`, m.torrent);
    assert.equal(r.status, 201, r.body.toString());
  };
  const seeds = (t: TrackerServer, id: Buffer, hashes: Buffer[], event?: string, port = 7301) =>
    httpRequest('POST', `${t.announceUrl}-seeds?peer_id=${pct(id)}&port=${port}${event ? `&event=${event}` : ''}`, Buffer.concat(hashes));
  const announce = (t: TrackerServer, id: Buffer, m: Metainfo, left: number, event?: string, port = 7301) =>
    httpGet(`${t.announceUrl}?${announceQuery({ infoHash: m.infoHash, peerId: id, port, left, event })}`);
  const scrape = async (t: TrackerServer, ms: Metainfo[]) => {
    const r = await httpGet(`${t.scrapeUrl}?${ms.map((m) => `info_hash=${pct(m.infoHash)}`).join('&')}`);
    const files = bdecodeRawKeys(r.body).files;
    return ms.map((m) => ({ ...files[m.infoHash.toString('latin1')] }));
  };
  const listed = async (t: TrackerServer) =>
    (JSON.parse((await httpGet(t.catalogUrl)).body.toString()).files as { name: string; seeders: number }[]).map((f) => `${f.name}:${f.seeders}`).sort();
  const hashesOf = (b: unknown): string[] => {
    assert.ok(Buffer.isBuffer(b) && b.length % 20 === 0, 'a string of 20-byte hashes');
    return Array.from({ length: b.length / 20 }, (_, i) => b.toString('hex', i * 20, i * 20 + 20));
  };

  describe('GET /catalog with an ETag', () => {
    it('answers 304 and no body while the list is unchanged, 200 with the new list and a new ETag when an entry or a count changed', async () => {
      const t = await start();
      await publish(t, torrentOf('first.bin', 1));
      const a = await httpGet(t.catalogUrl);
      assert.equal(a.status, 200);
      const tag = a.headers.etag as string;
      assert.match(tag, /^"[A-Za-z0-9_-]{20,}"$/, 'a strong ETag');
      assert.equal(a.headers['cache-control'], 'no-cache');
      const same = await httpRequest('GET', t.catalogUrl, undefined, { 'If-None-Match': tag });
      assert.equal(same.status, 304);
      assert.equal(same.body.length, 0);
      assert.equal(same.headers.etag, tag);
      // rebuilt a second later from the same state: the same bytes, the same tag
      await sleep(1100);
      assert.equal((await httpRequest('GET', t.catalogUrl, undefined, { 'If-None-Match': `"other", ${tag}` })).status, 304);

      await publish(t, torrentOf('second.bin', 2));
      const changed = await httpRequest('GET', t.catalogUrl, undefined, { 'If-None-Match': tag });
      assert.equal(changed.status, 200);
      assert.deepEqual(JSON.parse(changed.body.toString()).files.map((f: { name: string }) => f.name), ['first.bin', 'second.bin']);
      const tag2 = changed.headers.etag as string;
      assert.notEqual(tag2, tag);

      // a seeder arriving changes only a count in the body: the tag changes with it
      assert.equal((await announce(t, peerId(), torrentOf('first.bin', 1), 0, 'started')).status, 200);
      await sleep(1100);
      const counted = await httpRequest('GET', t.catalogUrl, undefined, { 'If-None-Match': tag2 });
      assert.equal(counted.status, 200);
      assert.equal(JSON.parse(counted.body.toString()).files[0].seeders, 1);
      assert.notEqual(counted.headers.etag, tag2);
    });

    it('fetchCatalogIfChanged: the files and their ETag, then "unchanged" for a few hundred bytes on the wire', async () => {
      const t = await start();
      for (let i = 0; i < 200; i++) await publish(t, torrentOf(`file-${i}.bin`, i + 1));
      const first = await fetchCatalogIfChanged(t.announceUrl);
      assert.ok(first !== 'unchanged');
      assert.equal(first.files.length, 200);
      assert.ok(first.etag);
      assert.equal(await fetchCatalogIfChanged(t.announceUrl, first.etag), 'unchanged');
      const port = t.address().port;
      const poll = (extra: string) => rawExchange(port, `GET /catalog HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`);
      const full = await poll('');
      const unchanged = await poll(`If-None-Match: ${first.etag}\r\n`);
      assert.equal(unchanged.status, 304);
      assert.ok(unchanged.data.length < 400, `${unchanged.data.length} bytes`);
      assert.ok(full.data.length > 50_000, `${full.data.length} bytes`);
      // a stale tag reads the list again
      assert.notEqual(await fetchCatalogIfChanged(t.announceUrl, '"stale"'), 'unchanged');
    });
  });

  describe('POST /announce-seeds', () => {
    it('counts each torrent as a left=0 announce would, in scrape and in the catalog; stopped removes; the catalog\'s unknown ones are named', async () => {
      const batch = await start();
      const single = await start();
      const ms = [1, 2, 3].map((i) => torrentOf(`seed-${i}.bin`, 10 + i));
      const unpublished = torrentOf('nobody-published.bin', 20);
      const announcedOnly = torrentOf('announced-only.bin', 21);
      for (const t of [batch, single]) {
        for (const m of ms) await publish(t, m);
        // a swarm nobody published: made by a per-torrent announce (as today)
        assert.equal((await announce(t, peerId('OT0001'), announcedOnly, 500, 'started', 7400)).status, 200);
      }
      // a leecher of seed-1 that finishes: its `completed` arrives in the batch on one tracker, per torrent on the other
      const leecher = peerId('LE0001');
      for (const t of [batch, single]) assert.equal((await announce(t, leecher, ms[0], 700, 'started', 7302)).status, 200);
      const seeder = peerId('SE0001');

      const r = await seeds(batch, seeder, [...ms, unpublished, announcedOnly].map((m) => m.infoHash), 'started');
      assert.equal(r.status, 200, r.body.toString());
      const answer = decode(r.body);
      assert.equal(answer.interval, 60);
      assert.equal(answer['min interval'], 30);
      assert.deepEqual(hashesOf(answer.unknown).sort(), [unpublished.infoHashHex, announcedOnly.infoHashHex].sort());
      assert.deepEqual(hashesOf(answer.later), []);
      // the swarms with a leecher: the seeder may ask /announce for their addresses
      assert.deepEqual(hashesOf(answer.wanted).sort(), [ms[0].infoHashHex, announcedOnly.infoHashHex].sort());
      assert.equal(answer.peers, undefined, 'no peer lists for seeds');
      assert.equal((await seeds(batch, leecher, [ms[0].infoHash], 'completed', 7302)).status, 200);
      for (const m of [...ms, announcedOnly]) assert.equal((await announce(single, seeder, m, 0, 'started')).status, 200);
      assert.equal((await announce(single, leecher, ms[0], 0, 'completed', 7302)).status, 200);

      const all = [...ms, unpublished, announcedOnly];
      assert.deepEqual(await scrape(batch, all), await scrape(single, all));
      assert.deepEqual((await scrape(batch, [ms[0]]))[0], { complete: 2, downloaded: 1, incomplete: 0 });
      assert.equal(batch.swarms.get(unpublished.infoHashHex), undefined, 'no swarm for a torrent nobody published or announced');
      await sleep(1100);
      assert.deepEqual(await listed(batch), ['seed-1.bin:2', 'seed-2.bin:1', 'seed-3.bin:1']);
      assert.deepEqual(await listed(batch), await listed(single));

      // stopped: the peer leaves every swarm; the last seeder leaving takes the catalog entry with it
      const stop = await seeds(batch, seeder, ms.map((m) => m.infoHash), 'stopped');
      assert.equal(stop.status, 200);
      for (const m of ms) assert.equal((await announce(single, seeder, m, 0, 'stopped')).status, 200);
      assert.deepEqual(await scrape(batch, all), await scrape(single, all));
      await sleep(1100);
      assert.deepEqual(await listed(batch), ['seed-1.bin:1']);
      assert.deepEqual(await listed(batch), await listed(single));
    });

    it('a new entry in a torrent another address published costs one announce of the rate: what the burst does not cover comes back as `later`; ' +
      'swarm caps the same way', async () => {
      const t = await start({ announceRate: 1, announceBurst: 4 });
      const ms = Array.from({ length: 10 }, (_, i) => torrentOf(`r-${i}.bin`, 30 + i));
      for (const m of ms) await publish(t, m, '127.0.0.2');
      const id = peerId();
      const r = decode((await seeds(t, id, ms.map((m) => m.infoHash), 'started')).body);
      // 4 tokens: one for the request, three new entries
      assert.deepEqual(hashesOf(r.later), ms.slice(3).map((m) => m.infoHashHex));
      assert.equal(t.swarms.size, 3);
      const limited = await seeds(t, id, ms.map((m) => m.infoHash));
      assert.equal(limited.status, 429);
      assert.match(decode(limited.body)['failure reason'].toString(), /too many announces/);
      await sleep(3100);
      // ~3 tokens: one for the request; re-announcing the three it holds costs nothing more; two new ones fit
      const again = decode((await seeds(t, id, ms.map((m) => m.infoHash))).body);
      assert.deepEqual(hashesOf(again.later), ms.slice(5).map((m) => m.infoHashHex));

      // its own publications are free: the per-address catalog cap bounds them already, and a big
      // workspace must be findable as soon as it is published
      const own = await start({ announceRate: 1, announceBurst: 2 });
      for (const m of ms) await publish(own, m);
      const mine = decode((await seeds(own, peerId(), ms.map((m) => m.infoHash), 'started')).body);
      assert.deepEqual(hashesOf(mine.later), []);
      assert.deepEqual((await scrape(own, ms)).map((s) => s.complete), ms.map(() => 1));

      const full = await start({ maxSwarms: 2, maxPeersPerSwarm: 1 });
      for (const m of ms.slice(0, 3)) await publish(full, m);
      const f = decode((await seeds(full, peerId(), ms.slice(0, 3).map((m) => m.infoHash), 'started')).body);
      assert.deepEqual(hashesOf(f.later), [ms[2].infoHashHex], 'no room for a third swarm');
      const other = decode((await seeds(full, peerId(), ms.slice(0, 2).map((m) => m.infoHash), 'started')).body);
      assert.equal(hashesOf(other.later).length, 2, 'no room for a second peer in a swarm');
      assert.deepEqual(await scrape(full, ms.slice(0, 2)), [{ complete: 1, downloaded: 0, incomplete: 0 }, { complete: 1, downloaded: 0, incomplete: 0 }]);
    });

    it('refuses bad requests with a bencoded failure reason: ragged body, too many hashes, GET, bad event, left > 0, no peer_id', async () => {
      const t = await start();
      const id = peerId();
      const base = `${t.baseUrl}/announce-seeds`;
      const reason = (r: { body: Buffer }) => decode(r.body)['failure reason'].toString();
      const ragged = await seeds(t, id, [randomBytes(30)]);
      assert.equal(ragged.status, 400);
      assert.match(reason(ragged), /20-byte/);
      const tooMany = await seeds(t, id, [Buffer.alloc(20 * 20_001)]);
      assert.equal(tooMany.status, 413);
      assert.match(reason(tooMany), /at most 20000 info-hashes/);
      const get = await httpGet(`${base}?peer_id=${pct(id)}&port=7001`);
      assert.equal(get.status, 405);
      assert.match(reason(get), /POST/);
      const q = `peer_id=${pct(id)}&port=7001`;
      for (const [query, pattern] of [
        [`${q}&event=paused`, /unknown event/],
        [`${q}&left=5`, /left must be 0/],
        ['port=7001', /peer_id is missing/],
        [`${q}&info_hash=${pct(randomBytes(20))}`, /in the body/],
      ] as const) {
        const r = await httpRequest('POST', `${base}?${query}`, randomBytes(20));
        assert.equal(r.status, 400, query);
        assert.match(reason(r), pattern);
      }
    });

    it('on a keyed tracker it lives under /KEY/; without the key the refusal is the same bytes as /announce\'s', async () => {
      const t = await start({ key: KEY });
      const m = torrentOf('keyed-seed.bin', 50);
      await publish(t, m);
      const ok = await seeds(t, peerId(), [m.infoHash], 'started');
      assert.equal(ok.status, 200, ok.body.toString());
      assert.deepEqual(hashesOf(decode(ok.body).unknown), []);
      const refusal = await httpGet(`${t.baseUrl}/announce?${announceQuery({ infoHash: m.infoHash, peerId: peerId(), port: 7001 })}`);
      for (const prefix of ['', '/wrong-key-0123456789', `/${KEY.slice(0, -1)}`]) {
        const r = await httpRequest('POST', `${t.baseUrl}${prefix}/announce-seeds?peer_id=${pct(peerId())}&port=7001`, m.infoHash);
        assert.equal(r.status, 403);
        assert.deepEqual(r.body, refusal.body);
      }
    });
  });

  describe('POST /catalog/batch', () => {
    it('publishes each entry as POST /catalog would and answers per entry: 201, 400 for junk or a bad path, 409 for a path someone else holds', async () => {
      const t = await start();
      const theirs = torrentOf('shared.bin', 60);
      const r0 = await httpRequestFrom('127.0.0.2', 'POST', `${t.catalogUrl}?path=team/shared.bin`, theirs.torrent);
      assert.equal(r0.status, 201);
      const a = torrentOf('a.bin', 61);
      const b = torrentOf('b.bin', 62);
      const mine = torrentOf('shared.bin', 63);
      const body = encode([
        { path: 'dir/a.bin', torrent: a.torrent },
        { path: 'junk.bin', torrent: Buffer.from('not a torrent') },
        { path: 'b.bin', torrent: b.torrent },
        { path: 'team/shared.bin', torrent: mine.torrent },
        { path: 'dir/not-its-name.bin', torrent: torrentOf('c.bin', 64).torrent },
        { path: 'dir/a.bin', torrent: a.torrent },
      ]);
      const r = await httpRequest('POST', `${t.baseUrl}/catalog/batch`, body);
      assert.equal(r.status, 200, r.body.toString());
      const results = JSON.parse(r.body.toString()).results as { status: number; file?: { infoHash: string; path: string }; error?: string }[];
      assert.deepEqual(results.map((x) => x.status), [201, 400, 201, 409, 400, 200]);
      assert.equal(results[0].file?.infoHash, a.infoHashHex);
      assert.equal(results[0].file?.path, 'dir/a.bin');
      assert.match(results[1].error!, /not a valid \.torrent/);
      assert.match(results[3].error!, /another file is published at this path/);
      assert.match(results[4].error!, /must end in the torrent's name/);
      await sleep(1100);
      assert.deepEqual(await listed(t), ['a.bin:0', 'b.bin:0', 'shared.bin:0']);
      const files = JSON.parse((await httpGet(t.catalogUrl)).body.toString()).files as { name: string; infoHash: string }[];
      assert.equal(files.find((f) => f.name === 'shared.bin')?.infoHash, theirs.infoHashHex, 'the other publisher keeps its path');
    });

    it('refuses a batch that is not a list of { path, torrent }, has too many entries or too many bytes, with a JSON error', async () => {
      const t = await start();
      const url = `${t.baseUrl}/catalog/batch`;
      const error = (r: { body: Buffer }) => JSON.parse(r.body.toString()).error as string;
      const notList = await httpRequest('POST', url, encode({ path: 'x' }));
      assert.equal(notList.status, 400);
      assert.match(error(notList), /list/);
      const noTorrent = await httpRequest('POST', url, encode([{ path: 'x.bin' }]));
      assert.equal(noTorrent.status, 400);
      assert.match(error(noTorrent), /entry 0 .* no torrent/);
      const many = await httpRequest('POST', url, encode(Array.from({ length: 1001 }, () => ({ torrent: 'x' }))));
      assert.equal(many.status, 413);
      assert.match(error(many), /at most 1000/);
      const big = await httpRequest('POST', url, encode([{ torrent: Buffer.alloc(5 * 1024 * 1024) }]));
      assert.equal(big.status, 413);
      assert.match(error(big), /at most 4194304 bytes/);
      assert.equal((await httpGet(url)).status, 405);
      assert.equal(t.catalog.size, 0);
    });
  });
});
