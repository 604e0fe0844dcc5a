import assert from 'node:assert/strict';
import { Bitfield } from '../../../../src/core/bitfield';
import { BLOCK_SIZE, BlockRequest, PieceGeometry } from '../../../../src/core/pieces';
import { PiecePicker } from '../../../../src/core/session/piecePicker';

const PL = 4 * BLOCK_SIZE;
function meta(pieces: number, lastPiece = PL): PieceGeometry {
  return { length: PL * (pieces - 1) + lastPiece, pieceLength: PL, pieceCount: pieces };
}
const all = (n: number) => {
  const b = new Bitfield(n);
  b.setAll();
  return b;
};
const never = () => false;

describe('PiecePicker', () => {
  it('finishes started pieces before starting new ones, and never asks for a block twice outside endgame', () => {
    const m = meta(10);
    const p = new PiecePicker(m, new Bitfield(10), (n) => Buffer.alloc(n));
    const peer = all(10);
    const first = p.next(peer, 2, () => true, never);
    assert.equal(first.length, 2);
    assert.equal(p.activeBytes, PL, 'one piece started');
    const second = p.next(peer, 2, () => true, never);
    assert.equal(second[0].index, first[0].index, 'the rest of the started piece comes first');
    const keys = new Set([...first, ...second].map((r) => `${r.index}:${r.begin}`));
    assert.equal(keys.size, 4);
  });

  it('fetches each piece from one peer while others can start new pieces; shares when memory is short or a peer drops out', () => {
    const p = new PiecePicker(meta(10), new Bitfield(10), (n) => Buffer.alloc(n));
    const peer = all(10);
    const a = p.next(peer, 2, () => true, never, 'A');
    const b = p.next(peer, 2, () => true, never, 'B');
    assert.notEqual(b[0].index, a[0].index, 'B starts its own piece');
    const shared = p.next(peer, 2, () => false, never, 'C');
    assert.deepEqual(shared.map((r) => r.index), [a[0].index, a[0].index], 'C helps with A\'s piece when it may not start one');
    p.release(b[0].index, b[0].begin);
    const takeover = p.next(peer, 1, () => true, never, 'D');
    assert.equal(takeover[0].index, b[0].index, 'a piece whose requests came back is taken over first');
  });

  it('prefers the rarest piece once a few pieces are done', () => {
    const m = meta(8);
    const have = new Bitfield(8);
    for (const i of [0, 1, 2, 3]) have.set(i);
    const p = new PiecePicker(m, have, (n) => Buffer.alloc(n));
    const common = all(8);
    p.peerBitfield(common, 1);
    p.peerBitfield(common, 1);
    const rare = new Bitfield(8);
    rare.set(6);
    p.peerBitfield(rare, 1);
    p.peerBitfield(rare, 1);
    // 4, 5 and 7 become the commonest: 6 (4 copies) is now the rarest
    for (let k = 0; k < 3; k++) for (const i of [4, 5, 7]) p.peerHave(i);
    const reqs = p.next(common, 1, () => true, never);
    assert.equal(reqs[0].index, 6);
  });

  it('respects the memory bound: no new piece when canStart says no', () => {
    const p = new PiecePicker(meta(4), new Bitfield(4), (n) => Buffer.alloc(n));
    assert.deepEqual(p.next(all(4), 10, () => false, never), []);
  });

  it('assembles a piece, handles a short last block, and re-offers released and forgotten blocks', () => {
    const m = meta(2, BLOCK_SIZE + 100);
    const p = new PiecePicker(m, new Bitfield(2), (n) => Buffer.alloc(n));
    const peer = new Bitfield(2);
    peer.set(1);
    const reqs = p.next(peer, 10, () => true, never);
    assert.deepEqual(reqs.map((r) => r.length), [BLOCK_SIZE, 100]);
    p.release(1, BLOCK_SIZE);
    const again = p.next(peer, 10, () => true, never);
    assert.deepEqual(again.map((r) => r.begin), [BLOCK_SIZE]);
    assert.equal(p.block(1, 0, Buffer.alloc(BLOCK_SIZE, 1), BLOCK_SIZE, 'liar'), undefined);
    p.forget('liar');
    assert.deepEqual(p.next(peer, 10, () => true, never).map((r) => r.begin), [0], 'the liar\'s block is asked for again');
    assert.equal(p.block(1, 0, [Buffer.alloc(100, 2), Buffer.alloc(BLOCK_SIZE - 100, 2)], BLOCK_SIZE, 'good'), undefined);
    const done = p.block(1, BLOCK_SIZE, Buffer.alloc(100, 3), 100, 'good');
    assert.ok(done && done !== 'dup');
    assert.deepEqual([...done.contributors], ['good']);
    assert.ok(done.buf.subarray(0, BLOCK_SIZE).every((x) => x === 2), 'a block in parts is assembled in order');
    assert.ok(done.buf.subarray(BLOCK_SIZE).every((x) => x === 3));
    assert.deepEqual(p.next(peer, 10, () => true, never), [], 'a piece being verified is not asked for');
    assert.equal(p.block(1, 0, Buffer.alloc(BLOCK_SIZE), BLOCK_SIZE, 'late'), 'dup');
    p.doneVerifying(1); // it failed: nothing was stored
    assert.deepEqual(p.next(peer, 10, () => true, never).map((r) => r.begin), [0, BLOCK_SIZE], 'a piece that failed its check is fetched again');
  });

  it('enters endgame only when every missing block is asked for, then duplicates once per other peer', () => {
    const p = new PiecePicker(meta(1), new Bitfield(1), (n) => Buffer.alloc(n));
    const peer = all(1);
    assert.equal(p.next(peer, 3, () => true, never).length, 3);
    assert.equal(p.inEndgame(), false);
    assert.equal(p.next(peer, 3, () => true, never).length, 1);
    assert.equal(p.inEndgame(), true);
    const asked = new Set(['0:0']);
    const dup = p.next(peer, 10, () => true, (i, b) => asked.has(`${i}:${b}`));
    assert.deepEqual(dup.map((r) => r.begin), [BLOCK_SIZE, 2 * BLOCK_SIZE, 3 * BLOCK_SIZE]);
    // a third peer may still double the one block the second peer had already asked for
    assert.deepEqual(p.next(peer, 10, () => true, never).map((r) => r.begin), [0]);
    assert.deepEqual(p.next(peer, 10, () => true, never), [], 'at most two requests per block');
  });

  it('parole: a piece that failed with several senders is fetched again from one peer; a paroled peer fetches only whole pieces alone', () => {
    const p = new PiecePicker(meta(3), new Bitfield(3), (n) => Buffer.alloc(n));
    const peer = all(3);
    const asked = new Map<string, BlockRequest[]>();
    const ask = (who: string, n: number, canStart: boolean) => {
      const mine = asked.get(who) ?? [];
      const reqs = p.next(peer, n, () => canStart, (i, b) => mine.some((r) => r.index === i && r.begin === b), who);
      asked.set(who, [...mine, ...reqs]);
      return reqs;
    };
    const pieces = (who: string) => [...new Set((asked.get(who) ?? []).map((r) => r.index))];
    p.parole(1, ['liar', 'honest']);
    ask('liar', 4, true);
    ask('honest', 4, true);
    ask('bystander', 4, true);
    // every block is asked for now: endgame, and no memory for new pieces
    assert.equal(p.inEndgame(), true);
    assert.deepEqual(ask('liar', 16, false), [], 'a paroled peer neither helps nor duplicates');
    assert.deepEqual(ask('honest', 16, false), []);
    ask('bystander', 16, false);
    ask('late', 16, false);
    assert.equal(pieces('liar').length, 1);
    assert.equal(pieces('honest').length, 1);
    const fetchers = ['liar', 'honest', 'bystander', 'late'].filter((who) => pieces(who).includes(1));
    assert.equal(fetchers.length, 1, `piece 1 was asked of ${fetchers}`);
    for (const index of [...pieces('liar'), ...pieces('honest')]) assert.ok(!pieces('late').includes(index), 'nobody joins a paroled peer\'s piece');
  });

  it('parole: a paroled peer taking over a piece drops the blocks others sent to it, so a failure has one sender', () => {
    const p = new PiecePicker(meta(1), new Bitfield(1), (n) => Buffer.alloc(n));
    const peer = all(1);
    const [first] = p.next(peer, 1, () => true, never, 'a');
    assert.equal(p.block(first.index, first.begin, Buffer.alloc(BLOCK_SIZE, 1), BLOCK_SIZE, 'a'), undefined);
    const rest = p.next(peer, 3, () => true, never, 'a');
    for (const r of rest) p.release(r.index, r.begin); // a choked us: its piece is up for grabs
    p.parole(5, ['b']);
    const reqs = p.next(peer, 4, () => true, never, 'b');
    assert.deepEqual(reqs.map((r) => r.begin), [0, BLOCK_SIZE, 2 * BLOCK_SIZE, 3 * BLOCK_SIZE], 'all four blocks, a\'s one again too');
    let done;
    for (const r of reqs) done = p.block(r.index, r.begin, Buffer.alloc(r.length, 2), r.length, 'b');
    assert.ok(done && done !== 'dup');
    assert.deepEqual([...done.contributors], ['b']);
  });
});
