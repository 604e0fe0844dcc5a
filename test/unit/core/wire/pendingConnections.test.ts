// PendingConnections: handshakes under way, a few per address, the oldest crowded out first.
import assert from 'node:assert/strict';
import type { PeerConnection } from '../../../../src/core/wire/peerConnection';
import { PendingConnections } from '../../../../src/core/wire/pendingConnections';

class Fake {
  closeReason = '';
  constructor(readonly address: string) {}
  close(reason: string): void {
    this.closeReason = reason;
  }
}

describe('PendingConnections', () => {
  it('one address over its share loses its oldest handshake; other addresses are untouched', () => {
    const p = new PendingConnections(3);
    const conns = [1, 2, 3, 4, 5].map((port) => new Fake(`10.0.0.1:${port}`));
    const other = new Fake('10.0.0.2:9');
    p.add(other as unknown as PeerConnection);
    for (const c of conns) p.add(c as unknown as PeerConnection);
    assert.deepEqual(conns.map((c) => c.closeReason !== ''), [true, true, false, false, false]);
    assert.match(conns[0].closeReason, /crowded out/);
    assert.equal(other.closeReason, '');
    assert.equal(p.size, 4);
  });

  it('evictOne closes the oldest handshake of the address with the most; delete forgets; IPv6 addresses keep their colons', () => {
    const p = new PendingConnections(8);
    const a = [100, 101].map((port) => new Fake(`::1:${port}`));
    const b = new Fake('10.0.0.2:1');
    for (const c of [b, ...a]) p.add(c as unknown as PeerConnection);
    assert.equal(p.evictOne('room needed'), true);
    assert.equal(a[0].closeReason, 'room needed');
    assert.equal(p.delete(a[1] as unknown as PeerConnection), true);
    assert.equal(p.delete(a[1] as unknown as PeerConnection), false);
    assert.equal(p.size, 1);
    p.closeAll('bye');
    assert.equal(b.closeReason, 'bye');
  });
});
