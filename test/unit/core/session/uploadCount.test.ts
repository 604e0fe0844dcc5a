// The upload counter over a real socket pair: it counts the block bytes the kernel took, which
// is what the other end receives — not blocks cancelled, choked away, or still queued at a close.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:net';
import { Bitfield } from '../../../../src/core/bitfield';
import { BLOCK_SIZE, PieceGeometry } from '../../../../src/core/pieces';
import { Uploader } from '../../../../src/core/session/uploader';
import * as M from '../../../../src/core/wire/messages';
import { PeerConnection, ReadyConnection } from '../../../../src/core/wire/peerConnection';
import { RawPeer } from '../wire/rawPeer';

const INFO_HASH = Buffer.alloc(20, 3);
const PL = 16 * BLOCK_SIZE;
const PIECES = 128;
const meta: PieceGeometry = { length: PIECES * PL, pieceLength: PL, pieceCount: PIECES };
const content = randomBytes(meta.length);

/** payload bytes of the piece messages a raw peer received */
const received = (peer: RawPeer) => peer.frames.filter((f) => f.id === M.Msg.Piece).reduce((n, f) => n + f.payload.length - 8, 0);

describe('Uploader counts what reaches the socket', () => {
  let server: Server;
  let seeder: ReadyConnection;
  let uploader: Uploader;
  let peer: RawPeer;
  /** reads wait for this when set */
  let gate: Promise<void> | undefined;
  let reads = 0;

  beforeEach(async () => {
    gate = undefined;
    reads = 0;
    const have = new Bitfield(PIECES);
    for (let i = 0; i < PIECES; i++) have.set(i);
    const store = {
      have,
      async readBlock(index: number, begin: number, length: number): Promise<Buffer> {
        reads++;
        if (gate) await gate;
        return content.subarray(index * PL + begin, index * PL + begin + length);
      },
    };
    uploader = new Uploader(meta, store, undefined, () => undefined);
    const ready = new Promise<ReadyConnection>((resolve) => {
      server = createServer((socket) => {
        new PeerConnection(socket, { outgoing: false, ourPeerId: M.makePeerId(), resolve: () => PIECES }).once('ready', resolve);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peer = await RawPeer.connect((server.address() as { port: number }).port);
    peer.write(M.handshake(INFO_HASH, M.makePeerId()));
    seeder = await ready;
    uploader.add(seeder);
    seeder.unchoke();
    await peer.until('the unchoke', () => peer.frames.some((f) => f.id === M.Msg.Unchoke));
  });

  afterEach(() => {
    seeder.close('test over');
    peer.close();
    server.close();
  });

  it('equals the payload the other end received, with a request cancelled and blocks choked away before they went', async () => {
    // eight requests and a cancel in one write: four reads go out, the cancelled one is still queued
    const asks = Array.from({ length: 8 }, (_, b) => ({ index: 0, begin: b * BLOCK_SIZE, length: BLOCK_SIZE }));
    peer.write(M.requests(asks), M.cancel(0, 7 * BLOCK_SIZE, BLOCK_SIZE));
    await peer.until('seven blocks', () => received(peer) === 7 * BLOCK_SIZE);
    // blocks read while we choke the peer are never sent
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const before = reads;
    peer.write(M.requests([0, 1, 2].map((b) => ({ index: 1, begin: b * BLOCK_SIZE, length: BLOCK_SIZE }))));
    await peer.until('the read of piece 1', () => reads > before);
    seeder.choke();
    open();
    await peer.until('the choke', () => peer.frames.some((f) => f.id === M.Msg.Choke));
    // one more round trip: anything sent before the choke has arrived by now
    seeder.unchoke();
    peer.write(M.request(2, 0, BLOCK_SIZE));
    await peer.until('the block after the unchoke', () => received(peer) === 8 * BLOCK_SIZE);
    assert.equal(uploader.uploaded, 8 * BLOCK_SIZE);
    assert.equal(seeder.uploaded, 8 * BLOCK_SIZE);
  });

  it('leaves out blocks still queued when the connection closes', async () => {
    peer.socket.pause();
    const asks = Array.from({ length: 1500 }, (_, i) => ({ index: Math.floor(i / 16), begin: (i % 16) * BLOCK_SIZE, length: BLOCK_SIZE }));
    peer.write(M.requests(asks));
    // the peer reads nothing: the kernel's buffers fill, then ours, and the uploader waits for 'drain'
    await peer.until('a full send buffer', () => seeder.writeBacklog > 1024 * 1024, 10_000);
    const queued = seeder.writeBacklog;
    seeder.close('test closes with a backlog');
    peer.socket.resume();
    await peer.until('the end of the stream', () => peer.closed, 10_000);
    assert.ok(uploader.uploaded > 0);
    assert.equal(uploader.uploaded, received(peer));
    assert.ok(received(peer) + queued / 2 <= 1500 * BLOCK_SIZE, 'the backlog was dropped, not sent');
    assert.equal(seeder.uploaded, uploader.uploaded);
  });
});
