// PeerConnection over a loopback socket: the handshake hands over a ready connection, requests
// and blocks go both ways, and the peer's queue is served through nextRequest.
import assert from 'node:assert/strict';
import { createServer, connect, Server } from 'node:net';
import { BLOCK_SIZE } from '../../../../src/core/pieces';
import { makePeerId } from '../../../../src/core/wire/messages';
import { PeerConnection, ReadyConnection } from '../../../../src/core/wire/peerConnection';
import { waitFor } from '../../../helpers/wait';

const INFO_HASH = Buffer.alloc(20, 9);

describe('PeerConnection', () => {
  let server: Server;
  let ours: ReadyConnection;
  let theirs: ReadyConnection;
  const ourId = makePeerId();
  const theirId = makePeerId();

  beforeEach(async () => {
    const accepted = new Promise<ReadyConnection>((resolve) => {
      server = createServer((socket) => new PeerConnection(socket, { outgoing: false, ourPeerId: theirId, resolve: () => 8 }).once('ready', resolve));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
    const dialled = new Promise<ReadyConnection>((resolve) => {
      new PeerConnection(socket, { outgoing: true, ourPeerId: ourId, infoHash: INFO_HASH, pieceCount: 8 }).once('ready', resolve);
    });
    [ours, theirs] = await Promise.all([dialled, accepted]);
  });

  afterEach(() => {
    ours.close('test over');
    theirs.close('test over');
    server.close();
  });

  it('the handshake names the peer and the torrent on both ends', () => {
    assert.ok(ours.peerId.equals(theirId) && theirs.peerId.equals(ourId));
    assert.ok(theirs.infoHash.equals(INFO_HASH));
    assert.deepEqual([ours.have.length, theirs.have.length], [8, 8]);
    assert.deepEqual([ours.amChoking, ours.peerChoking, ours.amInterested, ours.peerInterested], [true, true, false, false]);
  });

  it('a request is queued on the peer\'s side, served through nextRequest, and arrives as a block', async () => {
    const asked: unknown[] = [];
    theirs.on('request', (r) => asked.push(r));
    const blocks: [number, number, number][] = [];
    ours.on('block', (index, begin, _data, length) => blocks.push([index, begin, length]));
    theirs.unchoke();
    await waitFor('the unchoke', () => !ours.peerChoking, 5000, 5);
    ours.requestMany([{ index: 2, begin: BLOCK_SIZE, length: BLOCK_SIZE }]);
    assert.equal(ours.requestsInFlight, 1);
    assert.equal(ours.hasRequested(2, BLOCK_SIZE), true);
    await waitFor('the request', () => asked.length === 1, 5000, 5);
    const req = theirs.nextRequest();
    assert.deepEqual(req, { index: 2, begin: BLOCK_SIZE, length: BLOCK_SIZE });
    assert.equal(theirs.nextRequest(), undefined);
    theirs.sendBlock(2, BLOCK_SIZE, Buffer.alloc(BLOCK_SIZE, 5));
    await waitFor('the block', () => blocks.length === 1, 5000, 5);
    assert.deepEqual(blocks, [[2, BLOCK_SIZE, BLOCK_SIZE]]);
    assert.deepEqual([ours.requestsInFlight, ours.downloaded, theirs.uploaded], [0, BLOCK_SIZE, BLOCK_SIZE]);
  });

  it('a block that crosses our cancel is dropped quietly; a choke hands our requests back', async () => {
    const dropped: number[] = [];
    ours.on('dropped', (reqs) => dropped.push(reqs.length));
    theirs.unchoke();
    await waitFor('the unchoke', () => !ours.peerChoking, 5000, 5);
    ours.requestMany([0, 1, 2].map((b) => ({ index: 0, begin: b * BLOCK_SIZE, length: BLOCK_SIZE })));
    ours.cancel(0, 0, BLOCK_SIZE);
    assert.equal(ours.requestsInFlight, 2);
    theirs.sendBlock(0, 0, Buffer.alloc(BLOCK_SIZE));
    theirs.choke();
    await waitFor('the choke', () => ours.peerChoking, 5000, 5);
    assert.deepEqual(dropped, [2]);
    assert.equal(ours.closed, false, 'the late block was no offence');
    assert.deepEqual(ours.cancelSentBefore(Date.now() + 1), [], 'nothing left in flight');
  });
});
