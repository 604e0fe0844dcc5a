// PieceCache: one read per stretch of a piece, LRU eviction across every cache sharing one budget,
// idle caches emptied, unaligned requests read as asked.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BLOCK_SIZE, PieceGeometry } from '../../../../src/core/pieces';
import { Lease } from '../../../../src/core/session/pieceBuffers';
import { PieceCache } from '../../../../src/core/session/pieceCache';
import { PieceCacheBudget } from '../../../../src/core/session/pieceCacheBudget';
import { sleep } from '../../../helpers/wait';

const CHUNK = 256 * 1024;
const meta: PieceGeometry = { length: 3 * 2 * CHUNK - 5000, pieceLength: 2 * CHUNK, pieceCount: 3 };

function setup(budget = new PieceCacheBudget()) {
  const content = randomBytes(meta.length);
  const reads: string[] = [];
  const read = async (index: number, begin: number, length: number) => {
    reads.push(`${index}:${begin}+${length}`);
    const at = index * meta.pieceLength + begin;
    return content.subarray(at, at + length);
  };
  const cache = new PieceCache(meta, read, budget);
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
    const { cache, reads } = setup(new PieceCacheBudget(2 * CHUNK));
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

  it('many caches share one budget: the least recently used stretch anywhere goes, the total never passes the budget', async () => {
    const budget = new PieceCacheBudget(3 * CHUNK);
    const caches = Array.from({ length: 10 }, () => setup(budget));
    const at = (index: number) => ({ index, begin: 0, length: BLOCK_SIZE });
    for (const [k, { cache }] of caches.entries()) {
      await cache.block(at(k % 3));
      await cache.block(at((k + 1) % 3));
      assert.ok(budget.bytes <= 3 * CHUNK, `${budget.bytes} bytes cached`);
    }
    assert.equal(budget.bytes, 3 * CHUNK);
    const last = caches[9].cache;
    assert.ok(last.peek(at(0)) && last.peek(at(1)), 'the newest stretches are kept');
    assert.equal(caches[0].cache.peek(at(0)), undefined, 'the oldest are gone');
    for (const { cache } of caches) cache.clear();
    assert.equal(budget.bytes, 0);
  });

  it('a cache nobody reads gives its memory back after the idle time; one still read keeps it', async () => {
    const budget = new PieceCacheBudget(16 * CHUNK, 200);
    const idle = setup(budget);
    const busy = setup(budget);
    const at = (index: number) => ({ index, begin: 0, length: BLOCK_SIZE });
    await idle.cache.block(at(0));
    await busy.cache.block(at(1));
    for (let t = 0; t < 8; t++) {
      await sleep(50);
      assert.ok(busy.cache.peek(at(1)), 'a cache in use keeps its stretch');
    }
    assert.equal(idle.cache.peek(at(0)), undefined, 'the idle cache was emptied');
    assert.equal(budget.bytes, CHUNK);
    await sleep(400);
    assert.equal(budget.bytes, 0, 'and the busy one once it fell idle too');
  });

  describe('a lent piece (just downloaded and verified, in its own buffer)', () => {
    function lent(budget: PieceCacheBudget) {
      const t = setup(budget);
      const piece = Buffer.from(t.bytes(1, 0, meta.pieceLength));
      const back: Buffer[] = [];
      const lease = new Lease(piece, (b) => back.push(b));
      t.cache.lend(1, lease);
      return { ...t, piece, back, lease };
    }

    it('serves its blocks from that buffer without reading, each view holding the buffer until dropped', async () => {
      const { cache, reads, bytes, piece, lease } = lent(new PieceCacheBudget(8 * CHUNK));
      const a = cache.peek({ index: 1, begin: CHUNK + BLOCK_SIZE, length: BLOCK_SIZE });
      const b = await cache.block({ index: 1, begin: 0, length: BLOCK_SIZE });
      assert.ok(a?.equals(bytes(1, CHUNK + BLOCK_SIZE, BLOCK_SIZE)) && b.equals(bytes(1, 0, BLOCK_SIZE)));
      assert.equal(a!.buffer, piece.buffer, 'a view of the lent buffer, not a copy');
      assert.equal(cache.leaseOf(a!), lease);
      assert.equal(cache.leaseOf(b), lease);
      assert.deepEqual(reads, []);
      const fromDisk = await cache.block({ index: 0, begin: 0, length: BLOCK_SIZE });
      assert.equal(cache.leaseOf(fromDisk), undefined, 'a block read from disk holds nothing');
    });

    it('goes back to its pool once, when neither a cached chunk nor a block view holds it', async () => {
      const { cache, back, piece } = lent(new PieceCacheBudget(2 * CHUNK));
      const view = cache.peek({ index: 1, begin: 0, length: BLOCK_SIZE })!;
      await cache.block({ index: 0, begin: 0, length: BLOCK_SIZE });
      await cache.block({ index: 2, begin: 0, length: BLOCK_SIZE }); // both of piece 1's chunks are pushed out
      assert.equal(cache.peek({ index: 1, begin: CHUNK, length: BLOCK_SIZE }), undefined);
      assert.deepEqual(back, [], 'the view still holds it');
      cache.leaseOf(view)!.drop();
      assert.deepEqual(back, [piece]);
      cache.clear();
      assert.equal(back.length, 1);
    });

    it('keeps a stretch already read from disk, and clear() gives the buffer back', async () => {
      const t = setup(new PieceCacheBudget(8 * CHUNK));
      await t.cache.block({ index: 1, begin: CHUNK, length: BLOCK_SIZE });
      const piece = Buffer.from(t.bytes(1, 0, meta.pieceLength));
      const back: Buffer[] = [];
      t.cache.lend(1, new Lease(piece, (b) => back.push(b)));
      assert.notEqual(t.cache.peek({ index: 1, begin: CHUNK, length: BLOCK_SIZE })!.buffer, piece.buffer, 'the stretch read before stays');
      const first = t.cache.peek({ index: 1, begin: 0, length: BLOCK_SIZE })!;
      assert.equal(first.buffer, piece.buffer);
      t.cache.clear();
      assert.deepEqual(back, [], 'the view from peek() still holds it');
      t.cache.leaseOf(first)!.drop();
      assert.deepEqual(back, [piece]);
      assert.equal(t.reads.length, 1);
    });

    it('a lease refuses to be held once it went back', () => {
      const lease = new Lease(Buffer.alloc(4), () => undefined);
      lease.hold();
      lease.drop();
      assert.throws(() => lease.hold(), /held after it went back/);
    });
  });
});
