// Swarm: whom it admits, and how a peer that sent a bad piece is banned and kept out.
import assert from 'node:assert/strict';
import { Bitfield } from '../../../../src/core/bitfield';
import { silentLogger } from '../../../../src/core/log';
import { PieceGeometry } from '../../../../src/core/pieces';
import { Downloader } from '../../../../src/core/session/downloader';
import { Swarm } from '../../../../src/core/session/swarm';
import { Uploader } from '../../../../src/core/session/uploader';
import type { ReadyConnection } from '../../../../src/core/wire/peerConnection';
import { FakeConnection } from './fakeConnection';

const meta: PieceGeometry & { infoHash: Buffer } = { length: 4 * 16384, pieceLength: 16384, pieceCount: 4, infoHash: Buffer.alloc(20) };

function setup(opts: { maxPeers?: number; active?: boolean } = {}) {
  const have = new Bitfield(4);
  const store = {
    have,
    pendingBytes: 0,
    complete: false,
    putPiece: async () => true,
    readBlock: async () => Buffer.alloc(0),
  };
  const downloader = new Downloader({ meta, store, maxBufferedBytes: 1 << 20, state: () => 'downloading' });
  const uploader = new Uploader(meta, store, undefined, () => undefined);
  const swarm = new Swarm({
    meta, store, downloader, uploader,
    peerId: Buffer.alloc(20, 1),
    log: silentLogger,
    maxPeers: opts.maxPeers ?? 50,
    uploadSlots: 4,
    active: () => opts.active ?? true,
  });
  const events: string[] = [];
  swarm.on('peerAdded', (a) => events.push(`added ${a}`));
  swarm.on('peerRemoved', (a, reason) => events.push(`removed ${a}: ${reason}`));
  swarm.on('peerBanned', (a, reason) => events.push(`banned ${a}: ${reason}`));
  const peer = (address: string, peerId?: Buffer) => {
    const conn = new FakeConnection(4, address);
    if (peerId) conn.peerId = peerId;
    return conn;
  };
  const attach = (conn: FakeConnection) => swarm.attach(conn as unknown as ReadyConnection);
  return { swarm, events, peer, attach };
}

describe('Swarm', () => {
  it('admits a peer: tells it what we have and reports it; reports it when it leaves', () => {
    const { swarm, events, peer, attach } = setup();
    const a = peer('10.0.0.1:1');
    assert.equal(attach(a), true);
    assert.equal(a.bitfields.length, 1);
    assert.equal(swarm.connections.size, 1);
    a.close('bye');
    assert.deepEqual(events, ['added 10.0.0.1:1', 'removed 10.0.0.1:1: bye']);
    assert.equal(swarm.connections.size, 0);
  });

  it('refuses peers beyond the limit, and every peer while the torrent is not active', () => {
    const full = setup({ maxPeers: 1 });
    full.attach(full.peer('10.0.0.1:1'));
    const extra = full.peer('10.0.0.2:1');
    assert.equal(full.attach(extra), false);
    assert.equal(extra.closeReason, 'too many peers');
    const idle = setup({ active: false });
    const p = idle.peer('10.0.0.1:1');
    assert.equal(idle.attach(p), false);
    assert.equal(p.closeReason, 'torrent is not active');
  });

  it('bans the sole sender of a bad piece and keeps it out by peer id and by address', () => {
    const { swarm, events, peer, attach } = setup();
    const liar = peer('10.0.0.9:1');
    const honest = peer('10.0.0.2:1');
    attach(liar);
    attach(honest);
    swarm.badPiece(3, new Set([liar.peerId.toString('hex')]));
    assert.equal(liar.closeReason, 'banned: sent data that failed the hash check of piece 3');
    assert.equal(honest.closed, false);
    assert.ok(events.includes('banned 10.0.0.9:1: sent data that failed the hash check of piece 3'));
    const sameId = peer('10.0.0.10:1', liar.peerId);
    const sameAddress = peer('10.0.0.9:1');
    assert.deepEqual([attach(sameId), attach(sameAddress)], [false, false]);
    assert.deepEqual([sameId.closeReason, sameAddress.closeReason], ['banned', 'banned']);
  });
});
