// A dialled socket reads into one buffer shared by every such socket (PooledReads): nothing that
// outlives a read may point into it. Blocks arrive intact when frames straddle reads, extension
// messages and the handshake are copies, and haves leave in batches.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, connect, Server, Socket } from 'node:net';
import { BLOCK_SIZE } from '../../../../src/core/pieces';
import { FrameParser } from '../../../../src/core/wire/frameParser';
import { HAVE_BATCH_MS } from '../../../../src/core/wire/haveBatch';
import * as M from '../../../../src/core/wire/messages';
import { PeerConnection, ReadyConnection } from '../../../../src/core/wire/peerConnection';
import { PooledReads } from '../../../../src/core/wire/peerIo';
import { waitFor } from '../../../helpers/wait';

const INFO_HASH = Buffer.alloc(20, 7);
const PIECES = 64;

/** A block's bytes, different for every block. */
function content(index: number, begin: number, length = BLOCK_SIZE): Buffer {
  const seed = createHash('sha256').update(`${index}:${begin}`).digest();
  return Buffer.alloc(length, seed);
}

function extended(id: number, body: Buffer): Buffer {
  const b = Buffer.alloc(6 + body.length);
  b.writeUInt32BE(2 + body.length, 0);
  b[4] = M.Msg.Extended;
  b[5] = id;
  body.copy(b, 6);
  return b;
}

describe('PooledReads: reads into a shared buffer', () => {
  it('the parser copies out what is left of a transient chunk, and an extension message is a copy', () => {
    const p = new FrameParser();
    p.pieceCount = PIECES;
    p.extended = true;
    p.gatherBlocks = true;
    const block = content(5, 0);
    const ext = extended(3, Buffer.from('d1:ai1ee'));
    const stream = Buffer.concat([ext, M.pieceHeader(5, 0, BLOCK_SIZE), block]);
    const shared = Buffer.alloc(stream.length);
    // the extension message and the first half of the block, then the buffer is reused
    const cut = ext.length + 13 + BLOCK_SIZE / 2;
    stream.copy(shared, 0, 0, cut);
    p.push(shared.subarray(0, cut), true);
    const first = p.next()!;
    assert.equal(first.id, M.Msg.Extended);
    assert.equal(p.next(), undefined, 'the block is not complete yet');
    p.own();
    shared.fill(0xee);
    assert.equal(first.payload.toString('latin1', 1), 'd1:ai1ee', 'the kept extension message is not a view of the reused buffer');
    stream.copy(shared, 0, cut);
    p.push(shared.subarray(0, stream.length - cut), true);
    const f = p.next()!;
    const got = Buffer.concat(f.block ?? [f.payload.subarray(8)]);
    assert.ok(got.equals(block), 'the block is whole although its first half came in a buffer since overwritten');
    p.own();
    assert.equal(p.bufferedBytes, 0);
  });

  it('a dialled peer that sends garbage after its handshake is closed with the reason, 200 times, without a throw', async () => {
    const theirId = M.makePeerId();
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const server = createServer((s) => {
      s.on('error', () => undefined);
      s.write(M.handshake(INFO_HASH, theirId, true));
      // a bitfield, then random frames: some lengths legal, most not, cut at random places
      const junk = Buffer.alloc(4096 + Math.floor(rand() * 60_000));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
      if (rand() < 0.5) junk.writeUInt32BE(Math.floor(rand() * 20), 0);
      for (let at = 0; at < junk.length; ) {
        const n = 1 + Math.floor(rand() * 9000);
        s.write(junk.subarray(at, at + n));
        at += n;
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      for (let round = 0; round < 200; round++) {
        const pooled = new PooledReads();
        const socket = connect({ host: '127.0.0.1', port, onread: pooled.options });
        await new Promise((resolve) => socket.once('connect', resolve));
        const conn = new PeerConnection(socket, { outgoing: true, ourPeerId: M.makePeerId(), infoHash: INFO_HASH, pieceCount: PIECES }, pooled);
        const reason = await new Promise<string>((resolve) => conn.once('close', resolve));
        assert.doesNotMatch(reason, /internal error/, `round ${round}: ${reason}`);
      }
    } finally {
      server.close();
    }
  });

  describe('over loopback', () => {
    let server: Server;
    let theirs: ReadyConnection;
    let ours: ReadyConnection;
    const theirId = M.makePeerId();

    beforeEach(async () => {
      const accepted = new Promise<ReadyConnection>((resolve) => {
        server = createServer((s) => new PeerConnection(s, { outgoing: false, ourPeerId: theirId, resolve: () => PIECES }).once('ready', resolve));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const pooled = new PooledReads();
      const socket: Socket = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, onread: pooled.options });
      await new Promise((resolve) => socket.once('connect', resolve));
      const dialled = new Promise<ReadyConnection>((resolve) => {
        new PeerConnection(socket, { outgoing: true, ourPeerId: M.makePeerId(), infoHash: INFO_HASH, pieceCount: PIECES }, pooled).once('ready', resolve);
      });
      [ours, theirs] = await Promise.all([dialled, accepted]);
    });

    afterEach(() => {
      ours.close('test over');
      theirs.close('test over');
      server.close();
    });

    it('every block of 16 MiB arrives with its own bytes, and the peer id outlives the reads', async () => {
      const got = new Map<string, Buffer>();
      // copy as the downloader does, synchronously, from one part or several
      ours.on('block', (index, begin, data) => got.set(`${index}:${begin}`, Buffer.concat(Array.isArray(data) ? data : [data])));
      theirs.on('request', () => {
        for (let r = theirs.nextRequest(); r; r = theirs.nextRequest()) {
          theirs.sendBlock(r.index, r.begin, content(r.index, r.begin, r.length));
        }
      });
      theirs.unchoke();
      await waitFor('the unchoke', () => !ours.peerChoking, 5000, 5);
      const reqs = [];
      for (let i = 0; i < PIECES; i++) for (let b = 0; b < 16; b++) reqs.push({ index: i, begin: b * BLOCK_SIZE, length: BLOCK_SIZE });
      for (let at = 0; at < reqs.length; at += 200) ours.requestMany(reqs.slice(at, at + 200));
      await waitFor('every block', () => got.size === reqs.length || ours.closed, 20_000, 10);
      assert.equal(ours.closed, false, `${ours.closeReason} / theirs: ${theirs.closeReason}`);
      for (const r of reqs) {
        const want = content(r.index, r.begin);
        assert.ok(got.get(`${r.index}:${r.begin}`)!.equals(want), `block ${r.index}:${r.begin}`);
      }
      assert.ok(ours.peerId.equals(theirId), 'the handshake fields are copies, not views of the read buffer');
    });

    it('haves leave together within the batch time, or at once with our next requests', async () => {
      const haves: number[] = [];
      theirs.on('have', (i) => haves.push(i));
      const t0 = Date.now();
      for (const i of [3, 9, 27]) ours.sendHave(i);
      await waitFor('the haves', () => haves.length === 3, 5000, 1);
      assert.deepEqual(haves, [3, 9, 27]);
      assert.ok(Date.now() - t0 >= HAVE_BATCH_MS - 5, 'they waited for the batch');
      theirs.unchoke();
      await waitFor('the unchoke', () => !ours.peerChoking, 5000, 5);
      const asked: number[] = [];
      theirs.on('request', (r) => asked.push(r.index));
      ours.sendHave(40);
      ours.requestMany([{ index: 41, begin: 0, length: BLOCK_SIZE }]);
      await waitFor('the request', () => asked.length === 1, 5000, 1);
      assert.deepEqual(haves, [3, 9, 27, 40], 'the have went out before the request that followed it');
    });
  });
});
