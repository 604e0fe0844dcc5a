// Downloader, driven with fake connections: requests out, blocks in, the hand-off to the store,
// bad pieces, endgame cancels, and requests that come back when a peer chokes or stalls.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Bitfield } from '../../../../src/core/bitfield';
import { BLOCK_SIZE, PieceGeometry, pieceSize } from '../../../../src/core/pieces';
import { Downloader } from '../../../../src/core/session/downloader';
import type { Lease } from '../../../../src/core/session/pieceBuffers';
import { FakeConnection } from './fakeConnection';

const PL = 2 * BLOCK_SIZE;
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A torrent of `pieces` pieces of two blocks, the last `lastPiece` bytes long, and a store that checks against its bytes. */
function torrent(pieces: number, lastPiece = PL) {
  const meta: PieceGeometry = { length: PL * (pieces - 1) + lastPiece, pieceLength: PL, pieceCount: pieces };
  const content = randomBytes(meta.length);
  const have = new Bitfield(pieces);
  const puts: { index: number; buf: Buffer; ok: boolean }[] = [];
  const store = {
    have,
    pendingBytes: 0,
    get complete() {
      return have.complete;
    },
    async putPiece(index: number, buf: Buffer, recycle?: (buf: Buffer, verified: boolean) => void): Promise<boolean> {
      const ok = buf.equals(content.subarray(index * PL, index * PL + pieceSize(meta, index)));
      puts.push({ index, buf, ok });
      if (ok) have.set(index);
      recycle?.(buf, ok);
      return ok;
    },
  };
  const bytes = (index: number, begin: number, length: number) => content.subarray(index * PL + begin, index * PL + begin + length);
  return { meta, content, store, puts, bytes };
}

type Torrent = ReturnType<typeof torrent>;

function downloader(t: Torrent, maxBufferedBytes = 1 << 30) {
  const d = new Downloader({ meta: t.meta, store: t.store, maxBufferedBytes, state: () => 'downloading' });
  const events = { complete: 0, bad: [] as { index: number; from: string[] }[], failed: [] as string[] };
  d.on('complete', () => events.complete++);
  d.on('badPiece', (index, from) => events.bad.push({ index, from: [...from] }));
  d.on('failed', (reason) => events.failed.push(reason));
  return { d, events };
}

/** A peer with every piece (or `pieces`), known to `d` as `id`. */
function seeder(d: Downloader, t: Torrent, id: string, pieces: number[] | 'all' = 'all'): FakeConnection {
  const conn = new FakeConnection(t.meta.pieceCount, `10.0.0.${id.length}:6881`);
  d.add(conn, id);
  conn.sendsBitfield(pieces);
  return conn;
}

/** The peer sends every block asked of it (and those asked meanwhile), `corrupt` ones as garbage. */
function deliverAll(conn: FakeConnection, t: Torrent, corrupt: (index: number) => boolean = () => false): void {
  for (let r = conn.inFlight.values().next(); !r.done; r = conn.inFlight.values().next()) {
    const { index, begin, length } = r.value;
    conn.delivers(index, begin, corrupt(index) ? randomBytes(length) : t.bytes(index, begin, length));
  }
}

describe('Downloader', () => {
  it('asks an unchoked peer for what it has, hands each complete piece to the store, tells the others, and finishes', async () => {
    const t = torrent(3, BLOCK_SIZE + 100);
    const { d, events } = downloader(t);
    const a = seeder(d, t, 'aa');
    const leecher = seeder(d, t, 'bbb', []);
    assert.equal(a.amInterested, true, 'interested in a peer with pieces we lack');
    assert.equal(leecher.amInterested, false);
    assert.equal(a.requests.length, 0, 'nothing is asked while the peer chokes us');
    a.unchokes();
    assert.equal(a.requests.length, 6, 'every block of the three pieces');
    assert.deepEqual(a.requests.filter((r) => r.index === 2).map((r) => r.length).sort((x, y) => x - y), [100, BLOCK_SIZE], 'the short last piece');
    deliverAll(a, t);
    await settle();
    assert.deepEqual(t.puts.map((p) => p.index).sort(), [0, 1, 2]);
    assert.ok(t.puts.every((p) => p.ok), 'the store got the bytes the peer sent, in place');
    assert.equal(events.complete, 1);
    assert.deepEqual([...leecher.haves].sort(), [0, 1, 2], 'a peer without the pieces hears of them');
    assert.deepEqual(a.haves, [], 'a peer that has them does not');
    assert.equal(d.downloaded, t.meta.length);
    assert.equal(d.contributions.get('aa'), t.meta.length);
    assert.ok(d.rate(a) > 0);
  });

  it('reports a piece that fails its hash check with the peers that sent it, and fetches it again', async () => {
    const t = torrent(3);
    const { d, events } = downloader(t);
    const a = seeder(d, t, 'aa');
    a.unchokes();
    deliverAll(a, t, (index) => index === 1);
    await settle();
    assert.deepEqual(events.bad, [{ index: 1, from: ['aa'] }]);
    assert.equal(events.complete, 0);
    assert.deepEqual([...a.inFlight.values()].map((r) => [r.index, r.begin]), [[1, 0], [1, BLOCK_SIZE]], 'the bad piece is asked for again');
    deliverAll(a, t);
    await settle();
    assert.equal(events.complete, 1);
  });

  it('endgame: once every block is asked for, another peer asks again, and the first arrival cancels the other request', async () => {
    const t = torrent(1);
    const { d, events } = downloader(t);
    const a = seeder(d, t, 'aa');
    const b = seeder(d, t, 'bbb');
    a.unchokes();
    b.unchokes();
    assert.equal(a.requests.length, 2);
    assert.deepEqual(b.requests, a.requests, 'the same two blocks, asked of both');
    a.delivers(0, 0, t.bytes(0, 0, BLOCK_SIZE));
    assert.deepEqual(b.cancels, [{ index: 0, begin: 0, length: BLOCK_SIZE }]);
    b.delivers(0, BLOCK_SIZE, t.bytes(0, BLOCK_SIZE, BLOCK_SIZE));
    assert.deepEqual(a.cancels, [{ index: 0, begin: BLOCK_SIZE, length: BLOCK_SIZE }]);
    await settle();
    assert.equal(events.complete, 1);
    assert.deepEqual([d.contributions.get('aa'), d.contributions.get('bbb')], [BLOCK_SIZE, BLOCK_SIZE]);
  });

  it('outside endgame a block is asked of one peer only, so its arrival asks nothing of the others', async () => {
    const t = torrent(4);
    const { d, events } = downloader(t);
    const a = seeder(d, t, 'aa');
    const b = seeder(d, t, 'bbb');
    let cancelCalls = 0;
    const cancel = b.cancel.bind(b);
    b.cancel = (index, begin, length) => {
      cancelCalls++;
      cancel(index, begin, length);
    };
    a.unchokes();
    deliverAll(a, t);
    await settle();
    assert.equal(events.complete, 1, 'a alone delivered everything (b never unchoked us)');
    assert.equal(cancelCalls, 0, 'no cancel was tried at b for any of the 8 blocks');
  });

  it('requests a peer dropped (it choked us) are asked of others as new, not as endgame duplicates', () => {
    const t = torrent(3);
    const { d } = downloader(t);
    const a = seeder(d, t, 'aa');
    a.unchokes();
    const dropped = [...a.inFlight.values()];
    a.inFlight.clear();
    a.peerChoking = true;
    a.fire('dropped', dropped);
    const [b, c, e] = ['bbb', 'cccc', 'ddddd'].map((id) => seeder(d, t, id));
    for (const peer of [b, c, e]) peer.unchokes();
    assert.equal(b.requests.length, 6, 'all of them, from the next peer');
    assert.equal(c.requests.length, 6, 'a third peer may still double each');
    assert.equal(e.requests.length, 0, 'at most two requests per block');
  });

  it('a peer that sat on its requests for 15 s has them cancelled; a peer still sending keeps its own', () => {
    const t = torrent(3);
    const { d } = downloader(t);
    const slow = seeder(d, t, 'aa');
    slow.unchokes();
    const later = Date.now() + 16_000;
    const busy = seeder(d, t, 'bbb');
    busy.unchokes();
    busy.lastBlockAt = later;
    d.cancelStale(later);
    assert.equal(slow.cancels.length, 6, 'cancelled on the wire');
    assert.equal(busy.cancels.length, 0);
  });

  it('reuses piece buffers that come back from the store: no allocation per piece', async () => {
    const t = torrent(3);
    const { d, events } = downloader(t, PL); // memory for one piece at a time
    const a = seeder(d, t, 'aa');
    a.unchokes();
    for (let k = 0; k < 3; k++) {
      assert.equal(a.inFlight.size, 2, 'one piece at a time');
      deliverAll(a, t);
      await settle();
    }
    assert.equal(events.complete, 1);
    assert.equal(new Set(t.puts.map((p) => p.buf)).size, 1, 'the same buffer for every piece');
  });

  it('lends each verified piece in its own buffer for serving, pools it again once the lease lets go, and never lends a bad one', async () => {
    const t = torrent(3);
    const lent: { index: number; lease: Lease; bytesRight: boolean }[] = [];
    const lend = (index: number, lease: Lease) => void lent.push({ index, lease, bytesRight: lease.buf.equals(t.content.subarray(index * PL, (index + 1) * PL)) });
    const d = new Downloader({ meta: t.meta, store: t.store, maxBufferedBytes: PL, state: () => 'downloading', lend });
    let complete = 0;
    d.on('complete', () => complete++);
    const a = seeder(d, t, 'aa');
    seeder(d, t, 'bbb', []); // a peer that lacks every piece: someone may ask for them
    a.unchokes();
    let corruptOnce = true;
    deliverAll(a, t, () => corruptOnce && !(corruptOnce = false));
    await settle();
    assert.deepEqual([t.puts.length, lent.length], [1, 0], 'the bad piece was not lent');
    deliverAll(a, t);
    await settle();
    assert.equal(lent.length, 1);
    const first = lent[0].lease;
    assert.equal(first.buf, t.puts[0].buf, 'the bad piece\'s buffer was pooled, then lent with the next piece');
    first.hold();
    first.drop(); // the uploader is done with it: back to the pool
    deliverAll(a, t); // (the piece now in flight was started with a new buffer while the first was on loan)
    await settle();
    assert.notEqual(lent[1].lease.buf, first.buf, 'a buffer on loan is not reused');
    deliverAll(a, t);
    await settle();
    assert.equal(lent.length, 3);
    assert.equal(lent[2].lease.buf, first.buf, 'back in the pool once let go');
    for (const { index, bytesRight } of lent) assert.ok(bytesRight, `piece ${index} lent with its bytes`);
    assert.deepEqual(lent.map((l) => l.index).sort(), [0, 1, 2]);
    assert.equal(complete, 1);
  });

  it('lends nothing while every peer has the piece already: the buffer is reused at once', async () => {
    const t = torrent(3);
    let lent = 0;
    const d = new Downloader({ meta: t.meta, store: t.store, maxBufferedBytes: PL, state: () => 'downloading', lend: () => void lent++ });
    const a = seeder(d, t, 'aa');
    a.unchokes();
    for (let k = 0; k < 3; k++) {
      deliverAll(a, t);
      await settle();
    }
    assert.equal(lent, 0);
    assert.equal(new Set(t.puts.map((p) => p.buf)).size, 1);
  });

  it('a store that cannot write stops the download', async () => {
    const t = torrent(1);
    t.store.putPiece = async () => {
      throw new Error('disk full');
    };
    const { d, events } = downloader(t);
    const a = seeder(d, t, 'aa');
    a.unchokes();
    deliverAll(a, t);
    await settle();
    assert.deepEqual(events.failed, ['could not write piece 0: disk full']);
  });

  it('loses interest in a peer with nothing we lack, and gains it when the peer announces a piece we need', () => {
    const t = torrent(3);
    t.store.have.set(0);
    const { d } = downloader(t);
    const a = seeder(d, t, 'aa', [0]);
    assert.equal(a.amInterested, false);
    a.have.set(2);
    a.fire('have', 2);
    assert.equal(a.amInterested, true);
    a.unchokes();
    assert.deepEqual([...new Set(a.requests.map((r) => r.index))], [2]);
  });
});
