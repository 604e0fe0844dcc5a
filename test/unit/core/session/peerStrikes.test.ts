// PeerStrikes: who is banned for a piece that failed its hash check.
import assert from 'node:assert/strict';
import { PeerStrikes } from '../../../../src/core/session/peerStrikes';

describe('PeerStrikes', () => {
  it('bans the sole sender of a bad piece at once', () => {
    const s = new PeerStrikes();
    assert.deepEqual(s.badPiece(new Set(['liar'])), ['liar']);
    assert.equal(s.isBanned('liar'), true);
  });

  it('a peer among several senders is banned at its third bad piece; the others keep their count', () => {
    const s = new PeerStrikes();
    assert.deepEqual(s.badPiece(new Set(['liar', 'a'])), []);
    assert.deepEqual(s.badPiece(new Set(['liar', 'b'])), []);
    assert.deepEqual(s.badPiece(new Set(['liar', 'c'])), ['liar']);
    assert.deepEqual(['liar', 'a', 'b', 'c'].map((id) => s.isBanned(id)), [true, false, false, false]);
  });

  it('a banned peer among the senders explains the failure: nobody else is struck', () => {
    const s = new PeerStrikes();
    s.ban('liar', '10.0.0.9:6881');
    for (let k = 0; k < 5; k++) assert.deepEqual(s.badPiece(new Set(['liar', 'honest'])), []);
    assert.equal(s.isBanned('honest'), false);
  });

  it('a ban holds for the peer id and for the address', () => {
    const s = new PeerStrikes();
    s.ban('liar', '10.0.0.9:6881');
    assert.equal(s.isBanned('liar'), true);
    assert.equal(s.isBanned('10.0.0.9:6881'), true);
    assert.equal(s.isBanned('10.0.0.9:6882'), false);
  });
});
