// copyBytes: a block copied into a shared piece buffer lands exactly where asked, whatever the
// alignment of its bytes in the read buffer, and nothing around it changes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyBytes } from '../../../../src/core/session/pieceBuffers';

describe('copyBytes', () => {
  it('copies a block from any offset of a read buffer into shared memory, byte for byte', () => {
    const read = randomBytes(64 * 1024);
    for (const offset of [0, 1, 7, 8, 13, 4096 + 13]) {
      const piece = Buffer.from(new SharedArrayBuffer(4 * 16384));
      piece.fill(0xaa);
      const block = read.subarray(offset, offset + 16384);
      assert.equal(copyBytes(block, piece, 16384), 16384);
      assert.ok(piece.subarray(16384, 32768).equals(block), `offset ${offset}`);
      assert.ok(piece.subarray(0, 16384).every((b) => b === 0xaa), 'bytes before untouched');
      assert.ok(piece.subarray(32768).every((b) => b === 0xaa), 'bytes after untouched');
    }
  });

  it('copies the parts of a block split across reads back to back, and a short last block', () => {
    const block = randomBytes(10_000);
    const piece = Buffer.from(new SharedArrayBuffer(16384)).fill(0xaa);
    let at = 0;
    for (const part of [block.subarray(0, 3), block.subarray(3, 3), block.subarray(3, 9_999), block.subarray(9_999)]) at += copyBytes(part, piece, at);
    assert.equal(at, 10_000);
    assert.ok(piece.subarray(0, 10_000).equals(block));
    assert.ok(piece.subarray(10_000).every((b) => b === 0xaa));
  });

  it('never writes past the end of the piece: a part that would overflow is cut as Buffer#copy cuts it', () => {
    const piece = Buffer.from(new SharedArrayBuffer(100)).fill(0);
    const src = randomBytes(50);
    assert.equal(copyBytes(src, piece, 80), 20);
    assert.ok(piece.subarray(80).equals(src.subarray(0, 20)));
  });
});
