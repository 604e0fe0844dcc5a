// MetadataAssembly: one attempt at the info dict — who is asked what, what arrives from whom,
// and the verdict of the hash.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MetadataAssembly } from '../../../../src/core/magnet/metadataAssembly';
import { syntheticTorrent } from './torrents';

describe('MetadataAssembly', () => {
  const { meta, dict } = syntheticTorrent(2000); // 40 KB: pieces of 16384, 16384 and the rest
  const piece = (i: number) => dict.subarray(i * 16384, (i + 1) * 16384);

  it('hands each piece to one peer, takes only what was asked of whom, and verifies the whole', () => {
    const a = new MetadataAssembly(dict.length);
    assert.equal(a.pieceCount, 3);
    assert.deepEqual([a.next('A', 0), a.next('B', 0), a.next('A', 0), a.next('B', 0)], [0, 1, 2, undefined]);
    assert.deepEqual([a.inFlight('A'), a.inFlight('B')], [2, 1]);
    assert.equal(a.received('B', 0, piece(0)), 'sent metadata piece 0, which we did not ask it for');
    assert.equal(a.received('A', 2, piece(2).subarray(1)), `sent ${piece(2).length - 1} bytes for metadata piece 2 (must be ${piece(2).length})`);
    assert.equal(a.received('A', 0, Buffer.concat([piece(0), Buffer.alloc(1)])), 'sent 16385 bytes for metadata piece 0 (must be 16384)');
    for (const [peer, i] of [['A', 0], ['B', 1], ['A', 2]] as const) assert.equal(a.received(peer, i, piece(i)), undefined);
    assert.equal(a.received('A', 0, piece(0)), 'sent metadata piece 0, which we did not ask it for', 'a second copy is not asked for');
    assert.equal(a.complete, true);
    const v = a.verify(meta.infoHash);
    assert.ok(v.ok && v.dict.equals(dict));
  });

  it('a reject, a departure or a timeout frees the piece for someone else', () => {
    const a = new MetadataAssembly(dict.length);
    a.next('A', 100);
    a.next('A', 100);
    a.next('B', 5000);
    a.rejected('A', 0);
    a.rejected('B', 1); // not B's to reject: stays with A
    assert.deepEqual([...a.overdue(1000)], ['A']);
    assert.equal(a.next('C', 6000), 0);
    a.release('A');
    assert.equal(a.next('C', 6000), 1);
    assert.deepEqual([...a.overdue(5500)], ['B']);
  });

  it('a dict that hashes wrong names everyone who contributed; solo accepts one peer of the right size only', () => {
    const a = new MetadataAssembly(dict.length);
    for (const [peer, i] of [['A', 0], ['B', 1], ['A', 2]] as const) {
      assert.equal(a.next(peer, 0), i);
      assert.equal(a.received(peer, i, i === 1 ? randomBytes(16384) : piece(i)), undefined);
    }
    const v = a.verify(meta.infoHash);
    assert.ok(!v.ok && [...v.contributors].sort().join() === 'A,B');
    const solo = new MetadataAssembly(dict.length, 'B');
    assert.deepEqual([solo.accepts('B', dict.length), solo.accepts('A', dict.length), solo.accepts('B', dict.length + 1)], [true, false, false]);
  });
});
