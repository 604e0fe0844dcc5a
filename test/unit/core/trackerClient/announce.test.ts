// One announce against a stand-in tracker: the query it sends, the answer it reads, and the
// kind of error for each way a tracker can fail.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { encode } from '../../../../src/core/bencode';
import { announce, AnnounceParams } from '../../../../src/core/trackerClient/announce';
import { TrackerError, TrackerErrorKind } from '../../../../src/core/trackerClient/trackerError';
import { deadUrl, FakeTracker, fakeTracker } from './fakeTracker';

const peerId = Buffer.from('-TT0001-000000000001');
const params: AnnounceParams = { infoHash: Buffer.alloc(20, 0xab), peerId, port: 6881, uploaded: 1, downloaded: 2, left: 3 };
const kind = (k: TrackerErrorKind, why?: RegExp) => (e: unknown) => e instanceof TrackerError && e.kind === k && (!why || why.test(e.message));

describe('tracker client announce', () => {
  let fake: FakeTracker;
  afterEach(() => fake?.close());

  it('sends the binary fields percent-encoded, compact=1, numwant 50 unless asked, event and key', async () => {
    fake = await fakeTracker(() => ({ body: encode({ interval: 30, peers: Buffer.alloc(0) }) }));
    await announce(fake.url.replace('/announce', '/announce?passkey=s3cret'), { ...params, event: 'started', key: 'k1' });
    await announce(fake.url, { ...params, numwant: 7 });
    const [first, second] = fake.requests;
    assert.deepEqual(first, {
      passkey: 's3cret',
      info_hash: '\xab'.repeat(20),
      peer_id: '-TT0001-000000000001',
      port: '6881',
      uploaded: '1',
      downloaded: '2',
      left: '3',
      compact: '1',
      numwant: '50',
      event: 'started',
      key: 'k1',
    });
    assert.equal(second.numwant, '7');
    assert.equal(second.event, undefined);
  });

  it('reads counts, peers, peers6, the sta catalog flag and a warning; clamps the interval', async () => {
    const body = {
      interval: 99999,
      'min interval': 0,
      complete: 3,
      incomplete: 4,
      peers: Buffer.from([10, 0, 0, 1, 0x1a, 0xe1]),
      peers6: Buffer.from('00000000000000000000000000000001' + '0050', 'hex'),
      'sta catalog': 0,
      'warning message': 'be nice',
    };
    fake = await fakeTracker(() => ({ body: encode(body) }));
    assert.deepEqual(await announce(fake.url, params), {
      interval: 3600,
      minInterval: 1,
      complete: 3,
      incomplete: 4,
      peers: [
        { ip: '10.0.0.1', port: 6881 },
        { ip: '0:0:0:0:0:0:0:1', port: 80 },
      ],
      staCatalog: 0,
      warning: 'be nice',
    });
    fake.answer = () => ({ body: encode({ interval: 'soon', complete: 'x', peers: Buffer.alloc(0) }) });
    const r = await announce(fake.url, params);
    assert.deepEqual({ interval: r.interval, complete: r.complete, staCatalog: r.staCatalog }, { interval: 60, complete: undefined, staCatalog: undefined });
  });

  it('each failure has its kind', async () => {
    fake = await fakeTracker(() => ({ body: encode({ 'failure reason': 'unregistered torrent' }) }));
    await assert.rejects(announce(fake.url, params), kind('refused', /refused: unregistered torrent/));
    fake.answer = () => ({ status: 400, body: encode({ 'failure reason': 'bad port' }) });
    await assert.rejects(announce(fake.url, params), kind('refused', /bad port/), 'a reason wins over the status');
    fake.answer = () => ({ status: 503, body: encode({ interval: 1 }) });
    await assert.rejects(announce(fake.url, params), (e) => kind('http')(e) && (e as TrackerError).status === 503);
    fake.answer = () => ({ body: '<html>not bencode</html>' });
    await assert.rejects(announce(fake.url, params), kind('malformed', /invalid response/));
    for (const notDict of [encode(5), encode('peers')]) {
      fake.answer = () => ({ body: notDict });
      await assert.rejects(announce(fake.url, params), kind('malformed', /non-dictionary/));
    }
    fake.answer = () => ({ body: encode({ interval: 1, peers: Buffer.alloc(7) }) });
    await assert.rejects(announce(fake.url, params), kind('malformed', /multiple of 6/));
    fake.answer = () => ({ body: Buffer.alloc(1024 * 1024 + 1, 0x30) });
    await assert.rejects(announce(fake.url, params), kind('tooLarge'));
    await assert.rejects(announce(await deadUrl(), params), kind('unreachable'));
    await assert.rejects(announce('udp://127.0.0.1:1/announce', params), kind('badUrl'));
  });

  it('a tracker that does not answer times out', async () => {
    const silent = createServer((s) => s.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      await assert.rejects(announce(`http://127.0.0.1:${port}/announce`, params, 50), kind('timeout', /within 0.05s/));
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
