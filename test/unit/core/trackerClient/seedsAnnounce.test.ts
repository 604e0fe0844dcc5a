// One batched seeds announce as the peer sends it, and what it makes of each kind of answer:
// an STA tracker's, a standard tracker's (no such route), a tracker that is down or refuses.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encode } from '../../../../src/core/bencode';
import { announceSeeds } from '../../../../src/core/trackerClient/seedsAnnounce';
import { TrackerError, TrackerErrorKind } from '../../../../src/core/trackerClient/trackerError';
import { publishBatchUrlOf, seedsUrlOf } from '../../../../src/core/trackerClient/urls';
import { FakeTracker, fakeTracker } from './fakeTracker';

const kind = (k: TrackerErrorKind, why?: RegExp) => (e: unknown) => e instanceof TrackerError && e.kind === k && (!why || why.test(e.message));

describe('seeds announce (client)', () => {
  let t: FakeTracker;
  afterEach(() => t?.close());
  const peerId = Buffer.from('-ST0100-abcdefghijkl');
  const hashes = [randomBytes(20), randomBytes(20), randomBytes(20)];

  it('sits beside /announce (under the team key), as the batch publish does', () => {
    assert.equal(seedsUrlOf('http://host:7070'), 'http://host:7070/announce-seeds');
    assert.equal(seedsUrlOf('http://host:7070/Team_Key-0123456789ab/announce'), 'http://host:7070/Team_Key-0123456789ab/announce-seeds');
    assert.equal(publishBatchUrlOf('http://host:7070/announce'), 'http://host:7070/catalog/batch');
  });

  it('POSTs the info-hashes as the body with peer_id, port, left=0 and the event; reads interval, unknown, later and wanted', async () => {
    const answer = { interval: 90, 'min interval': 45, unknown: hashes[1], later: Buffer.concat([hashes[2], hashes[0]]), wanted: hashes[0] };
    t = await fakeTracker(() => ({ body: encode(answer) }));
    const r = await announceSeeds(t.url, { peerId, port: 6881, event: 'started', key: 'k1', infoHashes: hashes });
    const hex = (h: Buffer) => h.toString('hex');
    assert.deepEqual(r, { interval: 90, minInterval: 45, unknown: [hex(hashes[1])], later: [hashes[2], hashes[0]].map(hex), wanted: [hex(hashes[0])] });
    assert.deepEqual(t.lines, ['POST /announce-seeds application/octet-stream']);
    assert.deepEqual(t.bodies, [Buffer.concat(hashes)]);
    const q = t.requests[0];
    assert.equal(Buffer.from(q.peer_id, 'latin1').toString(), peerId.toString());
    assert.deepEqual([q.port, q.left, q.event, q.key], ['6881', '0', 'started', 'k1']);
    // a regular re-announce carries no event; a minimal answer is read with defaults
    t.answer = () => ({ body: encode({ interval: 30 }) });
    const plain = await announceSeeds(t.url, { peerId, port: 6881, infoHashes: hashes });
    assert.deepEqual(plain, { interval: 30, minInterval: undefined, unknown: [], later: [], wanted: [] });
    assert.equal(t.requests[1].event, undefined);
  });

  it('a tracker without the route is `unsupported`: 404, 405, 501, or a non-bencoded answer below 500 (opentracker\'s HTML 400)', async () => {
    t = await fakeTracker(() => ({ status: 404, body: encode({ 'failure reason': 'no route /announce-seeds' }) }));
    const notHere = kind('unsupported', /does not take batched seeds announces \(HTTP 404\)/);
    await assert.rejects(announceSeeds(t.url, { peerId, port: 1, infoHashes: hashes }), notHere);
    for (const [status, body] of [
      [405, 'x'],
      [501, ''],
      [400, '<title>Invalid Request</title>'],
      [200, 'hello'],
      [200, encode([1, 2])],
    ] as const) {
      t.answer = () => ({ status, body });
      await assert.rejects(announceSeeds(t.url, { peerId, port: 1, infoHashes: hashes }), kind('unsupported'), `${status} ${body}`);
    }
  });

  it('a tracker that is down, refuses, or answers nonsense is not `unsupported`', async () => {
    t = await fakeTracker(() => ({ status: 502, body: '<html>Bad Gateway</html>' }));
    await assert.rejects(announceSeeds(t.url, { peerId, port: 1, infoHashes: hashes }), kind('http', /HTTP 502/));
    t.answer = () => ({ status: 429, body: encode({ 'failure reason': 'too many announces' }) });
    await assert.rejects(announceSeeds(t.url, { peerId, port: 1, infoHashes: hashes }), kind('refused', /too many announces/));
    t.answer = () => ({ status: 403, body: encode({ 'failure reason': 'this tracker needs its team key' }) });
    await assert.rejects(announceSeeds(t.url, { peerId, port: 1, infoHashes: hashes }), kind('refused', /team key/));
    t.answer = () => ({ body: encode({ interval: 60, unknown: Buffer.alloc(19) }) });
    await assert.rejects(announceSeeds(t.url, { peerId, port: 1, infoHashes: hashes }), kind('malformed', /20-byte/));
    const url = t.url;
    await t.close();
    await assert.rejects(announceSeeds(url, { peerId, port: 1, infoHashes: hashes }), kind('unreachable'));
  });
});
