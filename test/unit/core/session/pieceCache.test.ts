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
  /** the buffer each read went into */
  const intos: (Buffer | undefined)[] = [];
  const read = async (index: number, begin: number, length: number, into?: Buffer) => {
    reads.push(`${index}:${begin}+${length}`);
    intos.push(into);
    await new Promise((resolve) => setImmediate(resolve)); // in flight for a moment, as a disk read is
    const at = index * meta.pieceLength + begin;
    const bytes = content.subarray(at, at + length);
    return into ? into.fill(0).fill(bytes) : bytes;
  };
  const cache = new PieceCache(meta, read, budget);
  const bytes = (index: number, begin: number, length: number) => content.subarray(index * meta.pieceLength + begin, index * meta.pieceLength + begin + length);
  return { cache, reads, intos, bytes };
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

  it('reads into a buffer again once no cached chunk and no block view holds it, and never into one still read or held', async () => {
    const { cache, intos, bytes } = setup(new PieceCacheBudget(CHUNK));
    const at = (index: number) => ({ index, begin: 0, length: BLOCK_SIZE });
    const v0 = await cache.block(at(0));
    const reading1 = cache.block(at(1)); // chunk 0 is pushed out; v0 still holds its buffer
    const v2 = cache.block(at(2)); // chunk 1 is pushed out while being read
    const [v1] = await Promise.all([reading1, v2]);
    assert.equal(new Set(intos).size, 3, 'three reads, three buffers');
    assert.ok(v0.equals(bytes(0, 0, BLOCK_SIZE)) && v1.equals(bytes(1, 0, BLOCK_SIZE)));
    for (const v of [v0, v1, await v2]) cache.leaseOf(v)!.drop(); // sent
    await cache.block(at(0)); // pushes chunk 2 out: no holder is left on any of the three
    assert.ok(intos.slice(0, 3).includes(intos[3]), 'the fourth read reused a buffer');
    const again = await cache.block(at(1));
    assert.ok(again.equals(bytes(1, 0, BLOCK_SIZE)), 'and the bytes are the new read\'s');
    assert.ok(intos.slice(0, 3).includes(intos[4]));
    assert.notEqual(intos[4], intos[3], 'not the buffer the cached chunk 0 still holds');
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
      assert.notEqual(cache.leaseOf(fromDisk), lease, 'a block read from disk holds its read buffer');
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
