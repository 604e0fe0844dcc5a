// GET /announce without HTTP: the query in, the bencoded answer's bytes out, and the swarm
// and catalog as the announce leaves them.
import assert from 'node:assert/strict';
import { decode } from '../../../../src/core/bencode';
import { AnnounceRoute, AnnounceRules } from '../../../../src/core/tracker/announceRoute';
import { Catalog } from '../../../../src/core/tracker/catalog';
import { QueryError } from '../../../../src/core/tracker/query';
import { SwarmTable } from '../../../../src/core/tracker/swarmTable';
import { torrentOf } from './fixtures';

const pct = (b: Buffer) => [...b].map((c) => '%' + c.toString(16).padStart(2, '0')).join('');
const id = (n: number) => Buffer.from(`-TT0001-${String(n).padStart(12, '0')}`);
const meta = torrentOf('shared.bin');
const IH = meta.infoHash;

function tracker(rules: Partial<AnnounceRules> = {}) {
  const swarms = new SwarmTable();
  const catalog = new Catalog();
  const base = { interval: 60, minInterval: 30, trustIpParam: false, maxPeers: 200, defaultNumwant: 50, announceRate: 0, announceBurst: 1 };
  const route = new AnnounceRoute(swarms, catalog, { ...base, ...rules });
  /** Announces peer `n` (port 6000 + n) from 10.0.0.n with extra query parts. */
  const announce = (n: number, extra = '', ih = IH) => route.answer(`10.0.0.${n}`, `info_hash=${pct(ih)}&peer_id=${pct(id(n))}&port=${6000 + n}${extra}`);
  return { swarms, catalog, route, announce };
}

const v4 = (n: number) => Buffer.from([10, 0, 0, n, (6000 + n) >> 8, (6000 + n) & 255]);

describe('announce route', () => {
  it('the compact answer, byte for byte', () => {
    const { announce } = tracker();
    announce(1, '&left=5&event=started');
    const body = announce(2, '&left=0&event=started');
    const head = Buffer.from('d8:completei1e10:incompletei1e8:intervali60e12:min intervali30e5:peers6:');
    const want = Buffer.concat([head, v4(1), Buffer.from('11:sta catalogi0ee')]);
    assert.deepEqual(body, want);
  });

  it('a magnet client\'s left=2^63-1 (Transmission before it has the metadata) is a leecher, not a 400', () => {
    const { announce } = tracker();
    announce(1, '&left=0&event=started');
    const answer = decode(announce(2, '&left=9223372036854775807&uploaded=18446744073709551615&event=started'));
    assert.equal(answer['failure reason'], undefined);
    assert.equal(answer.complete, 1);
    assert.equal(answer.incomplete, 1);
  });

  it('compact=0: dictionaries of ip and port, never the peer id (no_peer_id or not)', () => {
    const { announce, catalog } = tracker();
    catalog.publish(meta, 'shared.bin', '10.0.0.1');
    announce(1, '&left=5');
    const { peers, ...counts } = decode(announce(2, '&left=5&compact=0'));
    assert.deepEqual(counts, { complete: 0, incomplete: 2, interval: 60, 'min interval': 30, 'sta catalog': 1 });
    assert.deepEqual(peers, [{ ip: Buffer.from('10.0.0.1'), port: 6001 }]);
    assert.deepEqual(decode(announce(2, '&compact=0&no_peer_id=1')).peers, [{ ip: Buffer.from('10.0.0.1'), port: 6001 }]);
  });

  it('a peer id announced from another address changes nothing; the rate limit refuses with 429', () => {
    const { route, swarms } = tracker({ announceRate: 1, announceBurst: 1 });
    const q = (left: number, event = '') => `info_hash=${pct(IH)}&peer_id=${pct(id(1))}&port=6001&left=${left}&event=${event}`;
    route.answer('10.0.0.1', q(0, 'started'));
    route.answer('10.0.0.9', q(5, 'stopped'));
    assert.equal(swarms.get(meta.infoHashHex)!.seeders, 1);
    assert.throws(() => route.answer('10.0.0.1', q(0)), (e: Error & { status?: number }) => e.status === 429 && /too many announces/.test(e.message));
  });

  it('numwant: the default, as asked, capped at maxPeers; stopped gets none', () => {
    const { announce } = tracker({ defaultNumwant: 3, maxPeers: 5 });
    for (let n = 1; n <= 8; n++) announce(n, '&left=1');
    const peers = (body: Buffer) => (decode(body).peers as Buffer).length / 6;
    assert.equal(peers(announce(9, '&left=1')), 3);
    assert.equal(peers(announce(9, '&left=1&numwant=4')), 4);
    assert.equal(peers(announce(9, '&left=1&numwant=100')), 5);
    assert.equal(peers(announce(9, '&left=1&numwant=0')), 0);
    assert.equal(peers(announce(9, '&left=1&event=stopped')), 0);
  });

  it('a seeder gets only leechers when they fill its numwant, seeders too otherwise', () => {
    const { announce } = tracker();
    announce(1, '&left=0');
    announce(2, '&left=9');
    const few = decode(announce(3, '&left=0&numwant=5')).peers as Buffer;
    assert.equal(few.length, 12, 'one leecher is not enough: the other seeder comes too');
    assert.deepEqual(decode(announce(3, '&left=0&numwant=1')).peers, v4(2));
  });

  it('a stopped peer of an unknown torrent makes no swarm', () => {
    const { announce, swarms } = tracker();
    const body = decode(announce(1, '&left=0&event=stopped'));
    assert.deepEqual({ complete: body.complete, incomplete: body.incomplete }, { complete: 0, incomplete: 0 });
    assert.equal(swarms.size, 0);
  });

  it('the last seeder stopping takes the catalog entry; a leecher stopping does not', () => {
    const { announce, catalog } = tracker();
    catalog.publish(meta, 'shared.bin', '10.0.0.1');
    announce(1, '&left=0');
    announce(2, '&left=0');
    announce(3, '&left=5');
    announce(3, '&left=5&event=stopped');
    announce(1, '&left=0&event=stopped');
    assert.ok(catalog.has(meta.infoHashHex));
    assert.equal(decode(announce(2, '&left=0&event=stopped'))['sta catalog'], 0);
    assert.ok(!catalog.has(meta.infoHashHex));
  });

  it('a seeder re-announcing with bytes left leaves the catalog entry alone', () => {
    const { announce, catalog } = tracker();
    catalog.publish(meta, 'shared.bin', '10.0.0.1');
    announce(1, '&left=0');
    announce(1, '&left=7');
    assert.ok(catalog.has(meta.infoHashHex));
  });

  it('refuses bad announces with a reason, and changes nothing', () => {
    const { route, swarms } = tracker();
    const ih = pct(IH);
    const peer = pct(id(1));
    const cases: [string, RegExp][] = [
      [`peer_id=${peer}&port=1`, /info_hash is missing/],
      [`info_hash=${pct(IH.subarray(1))}&peer_id=${peer}&port=1`, /info_hash is 19 bytes, not 20/],
      [`info_hash=${ih}&info_hash=${ih}&peer_id=${peer}&port=1`, /info_hash given more than once/],
      [`info_hash=${ih}&port=1`, /peer_id is missing/],
      [`info_hash=${ih}&peer_id=abc&port=1`, /peer_id is 3 bytes/],
      [`info_hash=${ih}&peer_id=${peer}`, /port is missing/],
      [`info_hash=${ih}&peer_id=${peer}&port=0`, /port 0 is not a listening port/],
      [`info_hash=${ih}&peer_id=${peer}&port=65536`, /port 65536 is above 65535/],
      [`info_hash=${ih}&peer_id=${peer}&port=1&left=-1`, /left is not a non-negative integer/],
      [`info_hash=${ih}&peer_id=${peer}&port=1&uploaded=x`, /uploaded is not/],
      [`info_hash=${ih}&peer_id=${peer}&port=1&event=begun`, /unknown event "begun"/],
      [`info_hash=${ih}&peer_id=${peer}&port=1&numwant=1000001`, /numwant 1000001 is above/],
      [`info_hash=${ih}&peer_id=${peer}&port=1&info_hash=%zz`, /broken percent-escape/],
    ];
    for (const [q, why] of cases) assert.throws(() => route.answer('10.0.0.1', q), (e: Error) => e instanceof QueryError && why.test(e.message), q);
    assert.equal(swarms.size, 0);
  });

  it('the ip parameter counts only when trusted; IPv4-mapped IPv6 addresses are IPv4', () => {
    const q = (n: number, extra: string) => `info_hash=${pct(IH)}&peer_id=${pct(id(n))}&port=${6000 + n}&left=1${extra}`;
    const plain = tracker();
    plain.route.answer('::ffff:10.0.0.1', q(1, '&ip=192.0.2.9'));
    assert.deepEqual(decode(plain.announce(2)).peers, v4(1));
    const trusting = tracker({ trustIpParam: true });
    trusting.route.answer('10.0.0.1', q(1, '&ip=192.0.2.9'));
    assert.deepEqual(decode(trusting.announce(2)).peers, Buffer.from([192, 0, 2, 9, 6001 >> 8, 6001 & 255]));
    assert.throws(() => trusting.route.answer('10.0.0.1', q(1, '&ip=example.com')), /ip is not an IP address/);
  });

  it('IPv6 peers come in peers6', () => {
    const { route, announce } = tracker();
    route.answer('2001:db8::5', `info_hash=${pct(IH)}&peer_id=${pct(id(5))}&port=6005&left=1`);
    const body = decode(announce(1, '&left=1'));
    assert.deepEqual(body.peers, Buffer.alloc(0));
    assert.deepEqual(body.peers6, Buffer.from('20010db80000000000000000000000051775', 'hex'));
  });
});
