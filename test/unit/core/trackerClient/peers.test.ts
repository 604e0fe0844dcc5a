// Peer lists from tracker answers: compact IPv4, dictionaries, compact IPv6, and hostile lengths.
import assert from 'node:assert/strict';
import { parsePeers } from '../../../../src/core/trackerClient/peers';
import { TrackerError } from '../../../../src/core/trackerClient/trackerError';

const malformed = (why: RegExp) => (e: unknown) => e instanceof TrackerError && e.kind === 'malformed' && why.test(e.message);

describe('tracker answer peer lists', () => {
  it('compact IPv4: 6 bytes a peer, port 0 skipped', () => {
    const peers = Buffer.from([10, 0, 0, 1, 0x1a, 0xe1, 255, 255, 255, 255, 0xff, 0xff, 1, 2, 3, 4, 0, 0]);
    assert.deepEqual(parsePeers(peers, undefined), [
      { ip: '10.0.0.1', port: 6881 },
      { ip: '255.255.255.255', port: 65535 },
    ]);
    assert.deepEqual(parsePeers(Buffer.alloc(0), undefined), []);
  });

  it('compact IPv6 (peers6): 18 bytes a peer, after the IPv4 ones', () => {
    const v6 = Buffer.from('20010db8000000000000000000000001' + '1ae1' + 'fe80000000000000000000000000abcd' + '0000', 'hex');
    assert.deepEqual(parsePeers(Buffer.from([1, 2, 3, 4, 0, 80]), v6), [
      { ip: '1.2.3.4', port: 80 },
      { ip: '2001:db8:0:0:0:0:0:1', port: 6881 },
    ]);
  });

  it('dictionaries (compact=0): valid entries kept, the rest dropped', () => {
    const list = [
      { 'peer id': Buffer.alloc(20), ip: Buffer.from('192.0.2.1'), port: 6881 },
      { ip: Buffer.from('host.example'), port: 1 },
      { ip: Buffer.from('192.0.2.2'), port: 0 },
      { ip: Buffer.from('192.0.2.3'), port: 65536 },
      { ip: Buffer.from('192.0.2.4'), port: 1.5 },
      { ip: Buffer.from('192.0.2.5') },
      { ip: 'not a buffer', port: 1 },
      { port: 1 },
      null,
      7,
      Buffer.from('junk'),
    ];
    assert.deepEqual(parsePeers(list, undefined), [
      { ip: '192.0.2.1', port: 6881 },
      { ip: 'host.example', port: 1 },
    ]);
  });

  it('refuses ragged compact lists; ignores peers of other types', () => {
    for (const n of [1, 5, 7, 13]) assert.throws(() => parsePeers(Buffer.alloc(n, 1), undefined), malformed(/multiple of 6/), `${n} bytes`);
    for (const n of [1, 17, 19, 35]) assert.throws(() => parsePeers(undefined, Buffer.alloc(n, 1)), malformed(/multiple of 18/), `${n} bytes`);
    assert.deepEqual(parsePeers(42, 'x'), []);
    assert.deepEqual(parsePeers({ ip: Buffer.from('1.2.3.4'), port: 1 }, [1, 2]), []);
  });

  it('a large compact list is read whole', () => {
    const many = Buffer.alloc(6 * 5000);
    for (let i = 0; i < 5000; i++) many.writeUInt16BE(i + 1, i * 6 + 4);
    const got = parsePeers(many, undefined);
    assert.equal(got.length, 5000);
    assert.deepEqual(got[4999], { ip: '0.0.0.0', port: 5000 });
  });
});
