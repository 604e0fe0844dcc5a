// Swarm: whom it admits, and how a peer that sent a bad piece is banned and kept out.
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:net';
import { Bitfield } from '../../../../src/core/bitfield';
import { silentLogger } from '../../../../src/core/log';
import { PieceGeometry } from '../../../../src/core/pieces';
import { Downloader } from '../../../../src/core/session/downloader';
import { Swarm } from '../../../../src/core/session/swarm';
import { Uploader } from '../../../../src/core/session/uploader';
import type { ReadyConnection } from '../../../../src/core/wire/peerConnection';
import { sleep } from '../../../helpers/wait';
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
  const peer = (address: string, peerId?: Buffer, outgoing = false) => {
    const conn = new FakeConnection(4, address, outgoing);
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

  it('bans an incoming liar by IP: back from a new port with a new peer id it is refused, and its IP is never dialled', async () => {
    const { swarm, events, peer, attach } = setup();
    const liar = peer('127.0.0.9:50001');
    attach(liar);
    swarm.badPiece(1, new Set([liar.peerId.toString('hex')]));
    assert.equal(liar.closeReason, 'banned: sent data that failed the hash check of piece 1');
    const back = peer('127.0.0.9:50002');
    assert.equal(attach(back), false);
    assert.equal(back.closeReason, 'banned');
    assert.equal(attach(peer('127.0.0.10:50003')), true, 'another address is not affected');
    // candidates: the banned IP's listening port is skipped, another address is dialled
    const dialled: string[] = [];
    const servers: Server[] = [];
    try {
      const ports: number[] = [];
      for (const ip of ['127.0.0.9', '127.0.0.11']) {
        const server = createServer((s) => (dialled.push(ip), s.destroy()));
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, ip, resolve));
        ports.push((server.address() as { port: number }).port);
      }
      swarm.addCandidates([{ ip: '127.0.0.9', port: ports[0] }, { ip: '127.0.0.11', port: ports[1] }]);
      await sleep(300);
      assert.deepEqual(dialled, ['127.0.0.11']);
    } finally {
      swarm.stop('test over');
      for (const server of servers) server.close();
    }
    assert.ok(events.includes('banned 127.0.0.9:50001: sent data that failed the hash check of piece 1'));
  });

  it('a dialled liar is banned by the address it listens on: other peers on its IP (other ports) are still admitted', () => {
    const { swarm, peer, attach } = setup();
    const liar = peer('127.0.0.1:6881', undefined, true);
    attach(liar);
    swarm.badPiece(0, new Set([liar.peerId.toString('hex')]));
    assert.equal(attach(peer('127.0.0.1:6881', undefined, true)), false);
    assert.equal(attach(peer('127.0.0.1:6882', undefined, true)), true);
  });
});
