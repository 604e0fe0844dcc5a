// Uploader with a fake connection: which blocks go out, what they hold, what is refused, and
// how reads and a full socket pace the serving.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Bitfield } from '../../../../src/core/bitfield';
import { BLOCK_SIZE, PieceGeometry } from '../../../../src/core/pieces';
import { Lease } from '../../../../src/core/session/pieceBuffers';
import { Uploader } from '../../../../src/core/session/uploader';
import { FakeConnection } from './fakeConnection';

const PL = 4 * BLOCK_SIZE;
const meta: PieceGeometry = { length: 2 * PL - 1000, pieceLength: PL, pieceCount: 2 };
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(opts: { fail?: boolean } = {}) {
  const content = randomBytes(meta.length);
  const have = new Bitfield(2);
  have.set(0);
  const reads: [number, number, number][] = [];
  const store = {
    have,
    async readBlock(index: number, begin: number, length: number): Promise<Buffer> {
      reads.push([index, begin, length]);
      if (opts.fail) throw new Error('EIO');
      return content.subarray(index * PL + begin, index * PL + begin + length);
    },
  };
  const warnings: string[] = [];
  const uploader = new Uploader(meta, store, undefined, (m) => warnings.push(m));
  const conn = new FakeConnection(2);
  conn.amChoking = false;
  uploader.add(conn);
  const bytes = (index: number, begin: number, length: number) => content.subarray(index * PL + begin, index * PL + begin + length);
  return { uploader, conn, store, reads, warnings, bytes };
}

describe('Uploader', () => {
  it('serves the blocks a peer asks for, from one read of their stretch of the piece, and counts the bytes', async () => {
    const { uploader, conn, reads, bytes } = setup();
    conn.asks({ index: 0, begin: 0, length: BLOCK_SIZE });
    conn.asks({ index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE });
    await settle();
    conn.asks({ index: 0, begin: 3 * BLOCK_SIZE, length: 100 });
    assert.deepEqual(conn.blocks.map((b) => [b.index, b.begin, b.data.length]), [[0, 0, BLOCK_SIZE], [0, BLOCK_SIZE, BLOCK_SIZE], [0, 3 * BLOCK_SIZE, 100]]);
    for (const b of conn.blocks) assert.ok(b.data.equals(bytes(b.index, b.begin, b.data.length)));
    assert.deepEqual(reads, [[0, 0, PL]], 'one read; the third block came from memory at once');
    assert.equal(uploader.uploaded, 2 * BLOCK_SIZE + 100);
    assert.ok(uploader.rate(conn) > 0 && uploader.uploadRate() > 0);
  });

  it('closes on a request for a piece we do not have, or beyond the end of a piece', () => {
    const a = setup();
    a.conn.asks({ index: 1, begin: 0, length: BLOCK_SIZE });
    assert.match(a.conn.closeReason, /^requested 1:0\+16384, which we do not have$/);
    const b = setup();
    b.conn.asks({ index: 0, begin: PL - 10, length: 20 });
    assert.equal(b.conn.closed, true);
    assert.deepEqual([...a.reads, ...b.reads], [], 'nothing was read');
  });

  it('sends nothing to a peer choked while its block was read', async () => {
    const { conn, uploader } = setup();
    conn.asks({ index: 0, begin: 0, length: BLOCK_SIZE });
    conn.amChoking = true;
    await settle();
    assert.deepEqual(conn.blocks, []);
    assert.equal(uploader.uploaded, 0);
  });

  it('waits for a full socket to drain', async () => {
    const { conn } = setup();
    conn.writeBacklog = 3 * 1024 * 1024;
    conn.asks({ index: 0, begin: 0, length: BLOCK_SIZE });
    await settle();
    assert.equal(conn.blocks.length, 0);
    conn.writeBacklog = 0;
    conn.fire('drain');
    await settle();
    assert.equal(conn.blocks.length, 1);
  });

  it('a read error closes the connection and warns', async () => {
    const { conn, warnings } = setup({ fail: true });
    conn.asks({ index: 0, begin: 0, length: BLOCK_SIZE });
    await settle();
    assert.equal(conn.closeReason, 'read error on our side');
    assert.deepEqual(warnings, ['could not read piece 0: EIO']);
  });

  it('serves a piece lent to it from that buffer, with no read, and gives the buffer back once the kernel took every block', async () => {
    const { uploader, conn, reads, bytes, store } = setup();
    const piece = Buffer.from(new SharedArrayBuffer(PL - 1000));
    bytes(1, 0, PL - 1000).copy(piece);
    const back: Buffer[] = [];
    store.have.set(1);
    uploader.lend(1, new Lease(piece, (b) => back.push(b)));
    conn.kernelTakesAtOnce = false;
    conn.asks({ index: 1, begin: 0, length: BLOCK_SIZE });
    conn.asks({ index: 1, begin: 3 * BLOCK_SIZE, length: BLOCK_SIZE - 1000 });
    await settle();
    assert.deepEqual(reads, [], 'nothing read from disk');
    assert.deepEqual(conn.sentFrom, [piece.buffer, piece.buffer], 'both blocks went out of the lent buffer itself');
    for (const b of conn.blocks) assert.ok(b.data.equals(bytes(b.index, b.begin, b.data.length)));
    uploader.clear(); // the cache lets go; the socket still holds both blocks
    assert.deepEqual(back, []);
    assert.equal(uploader.uploaded, 0, 'counted once the kernel has them');
    conn.kernelTakes();
    assert.equal(back.length, 1, 'back once, when nothing holds it');
    assert.equal(back[0], piece);
    assert.equal(uploader.uploaded, 2 * BLOCK_SIZE - 1000);
  });

  it('a block of a lent piece not sent (peer choked meanwhile) does not keep its buffer', async () => {
    const { uploader, conn, bytes, store } = setup();
    const piece = Buffer.from(bytes(1, 0, PL - 1000));
    const back: Buffer[] = [];
    store.have.set(1);
    uploader.lend(1, new Lease(piece, (b) => back.push(b)));
    conn.amChoking = true;
    conn.asks({ index: 1, begin: 0, length: BLOCK_SIZE });
    assert.deepEqual(conn.blocks, []);
    uploader.clear();
    assert.deepEqual(back, [piece]);
  });
});
