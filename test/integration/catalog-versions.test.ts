// One catalog entry per path (issue 9, item 2): a new version published at a path replaces the old
// one when it comes from the entry's first publisher or a current seeder; the old info-hash leaves
// the list; an older version, or a stranger, cannot take the path. Requests come from 127.0.0.1, .2, .3.
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/core/bencode';
import { parseTorrent, type Metainfo } from '../../src/core/metainfo';
import { TrackerServer } from '../../src/core/tracker/server';
import { announceQuery, peerId } from '../helpers/announce';
import { httpRequestFrom } from '../helpers/http';

const from = httpRequestFrom;

/** A version of `report.bin`: `seed` makes its content (and info-hash) differ, `created` is its creation date (s). */
function version(seed: number, created: number): Metainfo {
  const info = { name: 'report.bin', length: 5000 + seed, 'piece length': 16384, pieces: Buffer.alloc(20, seed) };
  return parseTorrent(encode({ announce: 'http://127.0.0.1:1/announce', 'creation date': created, info }));
}

describe('catalog: one entry per path, the latest version', function () {
  this.timeout(30_000);
  let t: TrackerServer;
  const PATH = 'team/report.bin';

  beforeEach(async () => {
    t = new TrackerServer({ host: '127.0.0.1', port: 0 });
    await t.listen();
  });
  afterEach(() => t.close());

  const publish = (addr: string, m: Metainfo, path = PATH) => from(addr, 'POST', `${t.baseUrl}/catalog?path=${encodeURIComponent(path)}`, m.torrent);
  const list = async () => {
    const files = JSON.parse((await from('127.0.0.1', 'GET', `${t.baseUrl}/catalog`)).body.toString()).files as { path: string; infoHash: string }[];
    return files.map((f) => `${f.path} ${f.infoHash}`);
  };
  const staCatalog = async (addr: string, m: Metainfo) => {
    const r = await from(addr, 'GET', `${t.announceUrl}?${announceQuery({ infoHash: m.infoHash, peerId: peerId('SE0009'), port: 7209, left: 0 })}`);
    return (decode(r.body) as Record<string, unknown>)['sta catalog'];
  };

  it('the first publisher replaces its entry with a new version; the old info-hash is retired', async () => {
    const v1 = version(1, 1_700_000_000);
    const v2 = version(2, 1_700_000_100);
    assert.equal((await publish('127.0.0.1', v1)).status, 201);
    const r = await publish('127.0.0.1', v2);
    assert.ok(r.status === 200 || r.status === 201, `${r.status} ${r.body}`);
    assert.deepEqual(await list(), [`${PATH} ${v2.infoHashHex}`]);
    assert.equal((await from('127.0.0.1', 'GET', `${t.baseUrl}/catalog/${v1.infoHashHex}`)).status, 404);
    assert.equal(await staCatalog('127.0.0.1', v1), 0, 'a seeder of the old version hears it is not listed');
  });

  it('a current seeder of the entry may replace it; a stranger may not take the path (409), nothing changes', async () => {
    const v1 = version(1, 1_700_000_000);
    assert.equal((await publish('127.0.0.1', v1)).status, 201);
    const stranger = await publish('127.0.0.2', version(3, 1_700_000_500));
    assert.equal(stranger.status, 409, stranger.body.toString());
    assert.equal(typeof JSON.parse(stranger.body.toString()).error, 'string');
    assert.deepEqual(await list(), [`${PATH} ${v1.infoHashHex}`]);
    await staCatalog('127.0.0.3', v1); // .3 now seeds v1
    const v2 = version(2, 1_700_000_100);
    const r = await publish('127.0.0.3', v2);
    assert.ok(r.status === 200 || r.status === 201, `${r.status} ${r.body}`);
    assert.deepEqual(await list(), [`${PATH} ${v2.infoHashHex}`]);
  });

  it('an older version cannot push out a newer one, even from the publisher (a leecher of the old one republishing)', async () => {
    const v1 = version(1, 1_700_000_000);
    const v2 = version(2, 1_700_000_100);
    assert.equal((await publish('127.0.0.1', v1)).status, 201);
    assert.ok([200, 201].includes((await publish('127.0.0.1', v2)).status));
    const back = await publish('127.0.0.1', v1);
    assert.equal(back.status, 409, back.body.toString());
    assert.match(JSON.parse(back.body.toString()).error, /newer/);
    assert.deepEqual(await list(), [`${PATH} ${v2.infoHashHex}`]);
    // the same content hashed again later (a revert) is a new version: it may come back
    const v1again = parseTorrent(encode({ ...decode(v1.torrent), 'creation date': 1_700_000_200 }));
    assert.equal(v1again.infoHashHex, v1.infoHashHex);
    assert.ok([200, 201].includes((await publish('127.0.0.1', v1again)).status));
    assert.deepEqual(await list(), [`${PATH} ${v1.infoHashHex}`]);
  });
});
