// Piece and block geometry.
import assert from 'node:assert/strict';
import { Bitfield } from '../../../src/core/bitfield';
import * as P from '../../../src/core/pieces';

const BS = P.BLOCK_SIZE;
// three pieces of 4 blocks, the last one a block and 100 bytes
const g: P.PieceGeometry = { length: 2 * 4 * BS + BS + 100, pieceLength: 4 * BS, pieceCount: 3 };

describe('pieces', () => {
  it('sizes pieces and blocks, the last ones short', () => {
    assert.deepEqual([0, 1, 2].map((i) => P.pieceSize(g, i)), [4 * BS, 4 * BS, BS + 100]);
    assert.deepEqual([P.blockCount(4 * BS), P.blockCount(BS + 100), P.blockCount(1)], [4, 2, 1]);
    assert.deepEqual([P.blockLength(BS + 100, 0), P.blockLength(BS + 100, 1)], [BS, 100]);
    assert.equal(P.blockIndex(3 * BS), 3);
  });

  it('names every block of the largest pieces, and every chunk, with a number of its own', () => {
    const keys = new Set<number>();
    for (const index of [0, 1, 1 << 20]) for (let b = 0; b < P.MAX_BLOCKS_PER_PIECE; b++) keys.add(P.blockKey(index, b * BS));
    assert.equal(keys.size, 3 * P.MAX_BLOCKS_PER_PIECE);
    assert.notEqual(P.chunkKey(1, 0), P.chunkKey(0, 1));
    assert.ok(Number.isSafeInteger(P.blockKey(1 << 20, 4095 * BS)));
  });

  it('finds a piece\'s SHA-1 in the pieces string', () => {
    const hashes = Buffer.concat([Buffer.alloc(20, 1), Buffer.alloc(20, 2), Buffer.alloc(20, 3)]);
    assert.ok(P.pieceHash(hashes, 1).equals(Buffer.alloc(P.HASH_SIZE, 2)));
  });

  it('counts verified bytes and bytes left, the short last piece counted as it is', () => {
    const have = new Bitfield(3);
    assert.deepEqual([P.bytesVerified(g, have), P.bytesLeft(g, have)], [0, g.length]);
    have.set(2);
    assert.deepEqual([P.bytesVerified(g, have), P.bytesLeft(g, have)], [BS + 100, 8 * BS]);
    have.set(0);
    have.set(1);
    assert.deepEqual([P.bytesVerified(g, have), P.bytesLeft(g, have)], [g.length, 0]);
  });
});
