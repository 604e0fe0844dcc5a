// STA's catalog as a peer calls it: the URLs it derives, and what it makes of each answer.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogFileJson } from '../../../../src/core/catalogWire';
import { createTorrent, MAX_TORRENT_BYTES, Metainfo } from '../../../../src/core/metainfo';
import { fetchCatalog, fetchMetainfo, fetchTorrent, publishTorrent } from '../../../../src/core/trackerClient/catalogClient';
import { TrackerError, TrackerErrorKind } from '../../../../src/core/trackerClient/trackerError';
import { announceUrlOf, catalogUrlOf, torrentUrlOf } from '../../../../src/core/trackerClient/urls';
import { FakeTracker, fakeTracker } from './fakeTracker';

const kind = (k: TrackerErrorKind, why?: RegExp) => (e: unknown) => e instanceof TrackerError && e.kind === k && (!why || why.test(e.message));
const HASH = 'ab'.repeat(20);

describe('tracker URLs', () => {
  it('a typed tracker URL becomes an announce URL; the catalog sits beside /announce', () => {
    assert.equal(announceUrlOf('http://host:7070'), 'http://host:7070/announce');
    assert.equal(announceUrlOf('https://host/tr/announce?passkey=x'), 'https://host/tr/announce?passkey=x');
    assert.equal(catalogUrlOf('http://host:7070'), 'http://host:7070/catalog');
    assert.equal(catalogUrlOf('http://host/tr/announce.php?passkey=x'), 'http://host/tr/catalog');
    assert.equal(torrentUrlOf('http://host:7070/announce', HASH), `http://host:7070/catalog/${HASH}.torrent`);
    for (const bad of ['udp://host:1/announce', 'file:///etc/passwd']) assert.throws(() => announceUrlOf(bad), kind('badUrl'));
    assert.throws(() => announceUrlOf('not a url'), TypeError);
  });
});

describe('catalog client', () => {
  let t: FakeTracker;
  afterEach(() => t?.close());

  it('fetchCatalog: the files of GET /catalog; a 404 hints at a tracker without a catalog; bad JSON is malformed', async () => {
    const file = { name: 'a', infoHash: HASH } as CatalogFileJson;
    t = await fakeTracker(() => ({ body: JSON.stringify({ files: [file] }) }));
    assert.deepEqual(await fetchCatalog(t.url), [file]);
    assert.deepEqual(t.lines, ['GET /catalog']);
    t.answer = () => ({ status: 404, body: 'no' });
    await assert.rejects(fetchCatalog(t.url), (e) => kind('http', /HTTP 404 \(not an STA tracker\?\)/)(e) && (e as TrackerError).status === 404);
    for (const body of ['{', '{"files":{}}', '[]']) {
      t.answer = () => ({ body });
      await assert.rejects(fetchCatalog(t.url), kind('malformed', /is not valid JSON/), body);
    }
  });

  it('fetchTorrent: the bytes of GET /catalog/<hash>.torrent, at most MAX_TORRENT_BYTES of them', async () => {
    t = await fakeTracker(() => ({ body: 'd4:infodee' }));
    assert.equal((await fetchTorrent(t.url, HASH)).toString(), 'd4:infodee');
    assert.deepEqual(t.lines, [`GET /catalog/${HASH}.torrent`]);
    t.answer = () => ({ status: 404, body: '{"error":"no"}' });
    await assert.rejects(fetchTorrent(t.url, HASH), kind('http', /no \.torrent for/));
    t.answer = () => ({ body: Buffer.alloc(MAX_TORRENT_BYTES + 1) });
    await assert.rejects(fetchTorrent(t.url, HASH), kind('tooLarge'));
  });

  it('fetchMetainfo: the parsed .torrent only when it hashes to the info-hash asked for; another torrent or junk is refused', async () => {
    const dir = await fsp.mkdtemp(join(tmpdir(), 'sta-fetchmeta-'));
    try {
      const made: Metainfo[] = [];
      for (const name of ['wanted.bin', 'other.bin']) {
        await fsp.writeFile(join(dir, name), `contents of ${name}`);
        made.push(await createTorrent(join(dir, name)));
      }
      const [wanted, other] = made;
      t = await fakeTracker(() => ({ body: wanted.torrent }));
      const got = await fetchMetainfo(t.url, wanted.infoHashHex);
      assert.equal(got.infoHashHex, wanted.infoHashHex);
      assert.equal(got.name, 'wanted.bin');
      assert.deepEqual(t.lines, [`GET /catalog/${wanted.infoHashHex}.torrent`]);
      // the tracker (or someone between) answers with a different torrent
      t.answer = () => ({ body: other.torrent });
      const mismatch = new RegExp(`hashes to ${other.infoHashHex}, not ${wanted.infoHashHex}`);
      await assert.rejects(fetchMetainfo(t.url, wanted.infoHashHex), kind('malformed', mismatch));
      await assert.rejects(fetchMetainfo(t.url, wanted.infoHashHex.toUpperCase()), kind('malformed', mismatch));
      t.answer = () => ({ body: 'd4:infodee' });
      await assert.rejects(fetchMetainfo(t.url, wanted.infoHashHex), kind('malformed', /is not a valid \.torrent/));
      await assert.rejects(fetchMetainfo(t.url, 'xyz'), kind('badUrl', /not a 40-digit hex info-hash/));
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('publishTorrent: POST /catalog?path=… with the .torrent; the tracker\'s error message on failure', async () => {
    const entry = { name: 'a b', path: 'dir/a b' };
    t = await fakeTracker(() => ({ status: 201, body: JSON.stringify(entry) }));
    assert.deepEqual(await publishTorrent(t.url, Buffer.from('d4:infodee'), 'dir/a b'), entry);
    assert.deepEqual(t.lines, ['POST /catalog application/x-bittorrent']);
    assert.equal(t.requests[0].path, 'dir/a b');
    t.answer = () => ({ status: 413, body: JSON.stringify({ error: 'a .torrent may be at most 4 bytes' }) });
    const refused = (e: unknown) => kind('http', /failed: a \.torrent may be at most 4 bytes/)(e) && (e as TrackerError).status === 413;
    await assert.rejects(publishTorrent(t.url, Buffer.alloc(9), 'x'), refused);
    t.answer = () => ({ status: 502, body: '<html>' });
    await assert.rejects(publishTorrent(t.url, Buffer.alloc(9), 'x'), kind('malformed', /failed: HTTP 502/));
  });
});
