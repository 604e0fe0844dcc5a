// Parole (libtorrent's rule) through the swarm and the downloader: a liar that slips one bad block
// into pieces an honest seeder also sent cannot get that seeder banned; it convicts itself instead.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Bitfield } from '../../../../src/core/bitfield';
import { silentLogger } from '../../../../src/core/log';
import { BLOCK_SIZE, PieceGeometry, pieceSize } from '../../../../src/core/pieces';
import { Downloader } from '../../../../src/core/session/downloader';
import { Swarm } from '../../../../src/core/session/swarm';
import { Uploader } from '../../../../src/core/session/uploader';
import type { ReadyConnection } from '../../../../src/core/wire/peerConnection';
import { FakeConnection } from './fakeConnection';

const PL = 2 * BLOCK_SIZE;
const PIECES = 3;
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const meta: PieceGeometry & { infoHash: Buffer } = { length: PL * PIECES, pieceLength: PL, pieceCount: PIECES, infoHash: Buffer.alloc(20) };
  const content = randomBytes(meta.length);
  const have = new Bitfield(PIECES);
  const store = {
    have,
    pendingBytes: 0,
    get complete() {
      return have.complete;
    },
    async putPiece(index: number, buf: Buffer): Promise<boolean> {
      const ok = buf.equals(content.subarray(index * PL, index * PL + pieceSize(meta, index)));
      if (ok) have.set(index);
      return ok;
    },
    readBlock: async () => Buffer.alloc(0),
  };
  const downloader = new Downloader({ meta, store, maxBufferedBytes: 1 << 20, state: () => 'downloading' });
  const uploader = new Uploader(meta, store, undefined, () => undefined);
  const swarm = new Swarm({
    meta, store, downloader, uploader,
    peerId: Buffer.alloc(20, 1),
    log: silentLogger,
    maxPeers: 50,
    uploadSlots: 4,
    active: () => true,
  });
  downloader.on('badPiece', (index, contributors) => swarm.badPiece(index, contributors));
  const banned: string[] = [];
  swarm.on('peerBanned', (address) => banned.push(address));
  const seeder = (address: string) => {
    const conn = new FakeConnection(PIECES, address);
    swarm.attach(conn as unknown as ReadyConnection);
    conn.sendsBitfield('all');
    return conn;
  };
  const bytes = (index: number, begin: number, length: number) => content.subarray(index * PL + begin, index * PL + begin + length);
  return { store, downloader, banned, seeder, bytes };
}

describe('parole', () => {
  it('a liar adding one bad block to every piece the only honest seeder also sends: the liar is banned, the seeder never, the file completes', async () => {
    const { store, downloader, banned, seeder, bytes } = setup();
    let bad = 0;
    downloader.on('badPiece', () => bad++);
    const liar = seeder('10.0.0.9:50001');
    const honest = seeder('10.0.0.2:6881');
    liar.unchokes();
    honest.unchokes(); // endgame at once: both are asked for every block
    // the liar answers the first block of every piece with garbage, the seeder the second one honestly
    for (let i = 0; i < PIECES; i++) liar.delivers(i, 0, randomBytes(BLOCK_SIZE));
    for (let i = 0; i < PIECES; i++) honest.delivers(i, BLOCK_SIZE, bytes(i, BLOCK_SIZE, BLOCK_SIZE));
    await settle();
    assert.equal(bad, PIECES, 'every piece failed with two senders');
    assert.deepEqual([...banned], [], 'nobody is banned for a piece several peers sent');
    for (let round = 0; round < 10 && !store.complete; round++) {
      for (const r of [...liar.inFlight.values()]) liar.delivers(r.index, r.begin, randomBytes(r.length));
      for (const r of [...honest.inFlight.values()]) honest.delivers(r.index, r.begin, bytes(r.index, r.begin, r.length));
      await settle();
    }
    assert.equal(store.complete, true, 'the download finished from the honest seeder');
    assert.equal(honest.closed, false, `the honest seeder was dropped: ${honest.closeReason}`);
    assert.ok(!banned.includes('10.0.0.2:6881'), 'the honest seeder was banned');
    assert.deepEqual(banned, ['10.0.0.9:50001'], 'the liar, given a piece of its own, convicted itself');
    assert.equal(liar.closeReason.startsWith('banned: sent data that failed the hash check of piece'), true);
  });
});
