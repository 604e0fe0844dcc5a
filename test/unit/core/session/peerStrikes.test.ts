// PeerStrikes: who is banned for a piece that failed its hash check.
import assert from 'node:assert/strict';
import { PeerStrikes } from '../../../../src/core/session/peerStrikes';

describe('PeerStrikes', () => {
  it('bans the sole sender of a bad piece at once', () => {
    const s = new PeerStrikes();
    assert.deepEqual(s.badPiece(new Set(['liar'])), { ban: ['liar'], parole: [] });
    assert.equal(s.isBanned('liar'), true);
  });

  it('several senders of a bad piece: nobody is struck or banned, all go on parole, however often it happens', () => {
    const s = new PeerStrikes();
    for (let k = 0; k < 10; k++) assert.deepEqual(s.badPiece(new Set(['liar', 'honest'])), { ban: [], parole: ['liar', 'honest'] });
    assert.deepEqual(['liar', 'honest'].map((id) => s.isBanned(id)), [false, false], 'the only honest seeder is never banned for sharing a piece');
    assert.deepEqual(s.badPiece(new Set(['liar'])), { ban: ['liar'], parole: [] }, 'a piece the liar sent alone convicts it');
    assert.equal(s.isBanned('honest'), false);
  });

  it('a banned peer among the senders explains the failure: nobody else is struck', () => {
    const s = new PeerStrikes();
    s.ban('liar', '10.0.0.9:6881');
    for (let k = 0; k < 5; k++) assert.deepEqual(s.badPiece(new Set(['liar', 'honest'])), { ban: [], parole: [] });
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
