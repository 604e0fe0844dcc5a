// PieceCache: one read per stretch of a piece, LRU eviction, unaligned requests read as asked.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BLOCK_SIZE, PieceGeometry } from '../../../../src/core/pieces';
import { PieceCache } from '../../../../src/core/session/pieceCache';

const CHUNK = 256 * 1024;
const meta: PieceGeometry = { length: 3 * 2 * CHUNK - 5000, pieceLength: 2 * CHUNK, pieceCount: 3 };

function setup(maxChunks?: number) {
  const content = randomBytes(meta.length);
  const reads: string[] = [];
  const read = async (index: number, begin: number, length: number) => {
    reads.push(`${index}:${begin}+${length}`);
    const at = index * meta.pieceLength + begin;
    return content.subarray(at, at + length);
  };
  const cache = new PieceCache(meta, read, maxChunks);
  const bytes = (index: number, begin: number, length: number) => content.subarray(index * meta.pieceLength + begin, index * meta.pieceLength + begin + length);
  return { cache, reads, bytes };
}

describe('PieceCache', () => {
  it('reads a 256 KiB stretch once for all its blocks, and serves them from memory once read', async () => {
    const { cache, reads, bytes } = setup();
    const req = (begin: number) => ({ index: 1, begin, length: BLOCK_SIZE });
    assert.equal(cache.peek(req(0)), undefined, 'nothing in memory yet');
    const [a, b] = await Promise.all([cache.block(req(0)), cache.block(req(BLOCK_SIZE))]);
    assert.ok(a.equals(bytes(1, 0, BLOCK_SIZE)) && b.equals(bytes(1, BLOCK_SIZE, BLOCK_SIZE)));
    assert.ok(cache.peek(req(2 * BLOCK_SIZE))?.equals(bytes(1, 2 * BLOCK_SIZE, BLOCK_SIZE)));
    await cache.block(req(CHUNK));
    assert.deepEqual(reads, [`1:0+${CHUNK}`, `1:${CHUNK}+${CHUNK}`]);
  });

  it('reads the short end of the last piece as it is, and an unaligned request as asked', async () => {
    const { cache, reads, bytes } = setup();
    const last = await cache.block({ index: 2, begin: CHUNK, length: 100 });
    assert.ok(last.equals(bytes(2, CHUNK, 100)));
    const across = await cache.block({ index: 0, begin: CHUNK - 10, length: 20 });
    assert.ok(across.equals(bytes(0, CHUNK - 10, 20)));
    assert.deepEqual(reads, [`2:${CHUNK}+${CHUNK - 5000}`, `0:${CHUNK - 10}+20`]);
  });

  it('keeps the most recently used stretches', async () => {
    const { cache, reads } = setup(2);
    const at = (index: number) => ({ index, begin: 0, length: BLOCK_SIZE });
    await cache.block(at(0));
    await cache.block(at(1));
    await cache.block(at(0)); // 0 is now the most recent
    await cache.block(at(2)); // 1 goes
    assert.ok(cache.peek(at(0)) && !cache.peek(at(1)) && cache.peek(at(2)));
    assert.equal(reads.length, 3);
    cache.clear();
    assert.equal(cache.peek(at(0)), undefined);
  });
});
