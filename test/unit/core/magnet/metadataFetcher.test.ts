// The BEP 9 fetcher against scripted peers on loopback: honest peers share the work and the
// result is the very torrent; every kind of hostile peer is dropped with a reason that reaches
// the user, and an honest peer beside it still completes the fetch.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from '../../../../src/core/bencode';
import { fetchMetadata, MAX_METADATA_SIZE, MetadataError } from '../../../../src/core/magnet/metadataFetcher';
import { MetainfoError, parseTorrent } from '../../../../src/core/metainfo';
import { waitFor } from '../../../helpers/wait';
import { FakeSeeder, FakeSeederOptions, FAKE_UT } from './fakeSeeder';
import { syntheticTorrent } from './torrents';

describe('fetchMetadata (BEP 9, from peers)', function () {
  this.timeout(30_000);
  const { meta, dict } = syntheticTorrent(5000); // 100 KB of info dict: 7 metadata pieces
  const small = syntheticTorrent(200); // 4 KB: one piece
  let fakes: FakeSeeder[] = [];
  let lines: string[] = [];
  const log = { info: () => {}, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m), debug: (m: string) => lines.push(m) };

  afterEach(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    fakes = [];
    lines = [];
  });

  async function fake(o: FakeSeederOptions = {}, t: { meta: { infoHash: Buffer }; dict: Buffer } = { meta, dict }): Promise<FakeSeeder> {
    const f = await FakeSeeder.start(t.dict, t.meta.infoHash, o);
    fakes.push(f);
    return f;
  }

  const fetchFrom = (peers: FakeSeeder[], infoHash = meta.infoHash) =>
    fetchMetadata({ infoHash, trackers: [], peers: peers.map((p) => p.address), host: '127.0.0.1', log, timeoutMs: 20_000 });

  it('spreads the pieces over several honest peers, each asked once, and returns the very torrent', async () => {
    const honest = await Promise.all([fake(), fake(), fake()]);
    const got = await fetchFrom(honest);
    assert.equal(got.meta.infoHashHex, meta.infoHashHex);
    assert.deepEqual([got.meta.name, got.meta.length, got.meta.pieceLength], [meta.name, meta.length, meta.pieceLength]);
    assert.ok(got.meta.pieceHashes.equals(meta.pieceHashes));
    const asked = honest.flatMap((f) => f.requests).sort((a, b) => a - b);
    assert.deepEqual(asked, [0, 1, 2, 3, 4, 5, 6], 'every piece asked exactly once');
    assert.ok(honest.filter((f) => f.requests.length > 0).length >= 2, 'the work was shared');
    assert.deepEqual(got.peers.map((p) => p.port).sort(), honest.map((f) => f.port).sort());
  });

  it('builds a torrent around the dict with the link\'s trackers, which parses as itself', async () => {
    const got = await fetchMetadata({ infoHash: meta.infoHash, trackers: [], peers: [(await fake()).address], host: '127.0.0.1' });
    const again = parseTorrent(got.meta.torrent);
    assert.equal(again.infoHashHex, meta.infoHashHex);
  });

  /** hostile peers, each alone: the fetch fails with the reason; beside an honest one, it completes */
  const hostile: [string, FakeSeederOptions, RegExp][] = [
    ['metadata_size 0', { handshake: { m: { ut_metadata: FAKE_UT }, metadata_size: 0 } }, /offers metadata_size 0/],
    ['a negative metadata_size', { handshake: { m: { ut_metadata: FAKE_UT }, metadata_size: -16384 } }, /offers metadata_size -16384/],
    ['metadata_size that is a string', { handshake: { m: { ut_metadata: FAKE_UT }, metadata_size: Buffer.from('9') } }, /metadata_size \(not an integer\)/],
    [
      'a metadata_size over the cap',
      { handshake: { m: { ut_metadata: FAKE_UT }, metadata_size: MAX_METADATA_SIZE + 1 } },
      new RegExp(`offers ${MAX_METADATA_SIZE + 1} bytes of metadata, over the ${MAX_METADATA_SIZE}-byte limit`),
    ],
    ['bencode garbage as its extended handshake', { handshake: Buffer.from('d1:md11:ut_metadatai') }, /extended handshake is not valid bencode/],
    ['no BEP 10 bit', { extensionBit: false }, /does not speak the extension protocol \(BEP 10\)/],
    ['no ut_metadata', { handshake: { m: { ut_pex: 1 }, metadata_size: 100, v: Buffer.from('Liar 1.0') } }, /does not offer ut_metadata \(Liar 1\.0\)/],
    ['no metadata_size', { handshake: { m: { ut_metadata: FAKE_UT } } }, /has no metadata to give/],
    ['pieces of the wrong size', { answer: (p, k) => [k.data(p, randomBytes(100))] }, /sent 100 bytes for metadata piece 0 \(must be 16384\)/],
    ['data for a piece never asked', { answer: (p, k) => [k.honest(p + 5)] }, /sent metadata piece 5, which we did not ask it for/],
    [
      'a total_size unlike its metadata_size',
      { answer: (p, k) => [k.data(p, dict.subarray(p * 16384, (p + 1) * 16384), 7)] },
      new RegExp(`total_size 7, not the ${dict.length} it announced`),
    ],
    ['garbage in a ut_metadata message', { answer: () => [Buffer.from([0, 0, 0, 5, 20, 3, 0x64, 0x69, 0x31])] }, /ut_metadata message/],
    ['data that hashes wrong', { answer: (p, k) => [k.data(p, randomBytes(Math.min(16384, dict.length - p * 16384)))] }, /does not hash to the info-hash/],
  ];

  for (const [what, o, reason] of hostile) {
    it(`a peer sending ${what}: dropped with that reason; beside an honest one the fetch completes`, async () => {
      const bad = await fake(o);
      const err = await fetchFrom([bad]).then(() => undefined, (e) => e);
      assert.ok(err instanceof MetadataError, `expected a MetadataError, got ${err}`);
      assert.match(err.message, reason);
      assert.match(err.message, new RegExp(`^no peer sent the metadata of ${meta.infoHashHex}: 127\\.0\\.0\\.1:${bad.port} `));
      const got = await fetchFrom([await fake(o), await fake()]);
      assert.equal(got.meta.infoHashHex, meta.infoHashHex);
    });
  }

  it('a peer that rejects every piece is dropped after a bounded number of rejects', async () => {
    const refuser = await fake({ answer: (p, k) => [k.reject(p)] }, small);
    const err = await fetchFrom([refuser], small.meta.infoHash).then(() => undefined, (e) => e);
    assert.match(err.message, /rejected 5 metadata requests/);
    assert.equal(refuser.requests.length, 5);
  });

  it('a liar whose dict hashes wrong is dropped, and another peer completes the fetch', async () => {
    const liar = await fake({ answer: (p, k) => [k.data(p, randomBytes(Math.min(16384, dict.length - p * 16384)))] });
    const honest = await fake({ delayMs: 300 }); // the liar builds the first dict alone
    const got = await fetchFrom([liar, honest]);
    assert.equal(got.meta.infoHashHex, meta.infoHashHex);
    assert.ok(lines.some((l) => l.includes(`127.0.0.1:${liar.port}: sent metadata that does not hash to the info-hash`)), lines.join('\n'));
    assert.deepEqual(got.peers.map((p) => p.port), [honest.port]);
  });

  it('when a dict built by several peers hashes wrong, it is fetched from one peer at a time until one is right', async () => {
    // lies about one piece only: its dict and an honest peer's together hash wrong, and neither alone is to blame yet
    const liar = await fake({ answer: (p, k) => [p === 0 ? k.data(0, randomBytes(16384)) : k.honest(p)] });
    const honest = await fake();
    const got = await fetchFrom([liar, honest]);
    assert.equal(got.meta.infoHashHex, meta.infoHashHex);
    assert.ok(lines.some((l) => /metadata from 2 peers hashed wrong; fetching it from one peer at a time/.test(l)), lines.join('\n'));
  });

  it('a peer that never answers is dropped after the request timeout, and its pieces are asked elsewhere', async function () {
    this.timeout(40_000);
    const silent = await fake({ answer: () => [] });
    const honest = await fake({ delayMs: 300 });
    const started = Date.now();
    const got = await fetchFrom([silent, honest]);
    assert.equal(got.meta.infoHashHex, meta.infoHashHex);
    assert.ok(Date.now() - started >= 9_000, 'the silent peer was given its time');
    assert.ok(lines.some((l) => l.includes(`127.0.0.1:${silent.port}: did not answer a metadata request within 10 s`)), lines.join('\n'));
  });

  it('a genuine info dict the parser refuses (v2-only) fails the fetch at once with the parser\'s words', async () => {
    const info = { 'meta version': 2, name: Buffer.from('v2.bin'), 'piece length': 16384, 'file tree': { 'v2.bin': { '': { length: 5 } } } };
    const v2 = rawInfo(encode({ info }));
    const err = await fetchFrom([await fake({}, v2), await fake({}, v2)], v2.meta.infoHash).then(() => undefined, (e) => e);
    assert.ok(err instanceof MetainfoError, `expected a MetainfoError, got ${err}`);
    assert.match(err.message, /v2-only torrents are not supported/);
  });

  it('announces a port it really listens on: a seeder that learns of it from the tracker dials in and is asked', async () => {
    const announces: URLSearchParams[] = [];
    const tracker = createServer((req, res) => {
      announces.push(new URL(req.url!, 'http://x').searchParams);
      res.end('d8:intervali60e5:peers0:e'); // nobody yet: the seeder comes to us
    });
    await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
    try {
      const seeder = await fake();
      const url = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}/announce`;
      const fetching = fetchMetadata({ infoHash: meta.infoHash, trackers: [url], host: '127.0.0.1', log, timeoutMs: 20_000 });
      const first = await waitFor('the announce', () => announces[0], 5000, 10);
      assert.deepEqual([first.get('event'), first.get('left')], ['started', '1']);
      await seeder.dial(Number(first.get('port')));
      const got = await fetching;
      assert.equal(got.meta.infoHashHex, meta.infoHashHex);
      assert.deepEqual(got.peers, [], 'a peer that dialled us is not a dialable address');
      await waitFor('the stopped announce', () => announces.find((q) => q.get('event') === 'stopped'), 5000, 10);
    } finally {
      tracker.closeAllConnections();
      tracker.close();
    }
  });

  it('without trackers or peers it says what is missing at once', async () => {
    await assert.rejects(fetchMetadata({ infoHash: meta.infoHash, trackers: [] }), /needs --tracker URL \(STA runs no DHT\)/);
  });

  it('an unreachable tracker and no peers: gives up at the timeout, naming the tracker\'s trouble', async () => {
    const started = Date.now();
    const err = await fetchMetadata({ infoHash: meta.infoHash, trackers: ['http://127.0.0.1:1/announce'], host: '127.0.0.1', timeoutMs: 1500 }).catch((e) => e);
    assert.ok(err instanceof MetadataError);
    assert.match(err.message, /within 2 s: the trackers named no peers \(http:\/\/127\.0\.0\.1:1\/announce: /);
    assert.ok(Date.now() - started < 6000);
  });
});

/** A torrent's info dict and its hash, without the parser (which refuses some dicts). */
function rawInfo(torrent: Buffer): { meta: { infoHash: Buffer }; dict: Buffer } {
  const start = torrent.indexOf('4:info') + 6;
  const dict = torrent.subarray(start, torrent.length - 1);
  return { meta: { infoHash: createHash('sha1').update(dict).digest() }, dict };
}
