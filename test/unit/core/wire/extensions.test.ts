// The seeding side of BEP 9 on a real PeerConnection over loopback: a hand-driven peer asks for
// the info dict and gets its exact bytes in 16 KiB pieces; out-of-range pieces are rejected; a
// peer that asks forever gets rejects and then the door; hostile extension messages close the
// connection with a reason, unknown ones are ignored.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:net';
import { encode } from '../../../../src/core/bencode';
import { OUR_UT_METADATA } from '../../../../src/core/wire/extensionProtocol';
import * as M from '../../../../src/core/wire/messages';
import { PeerConnection } from '../../../../src/core/wire/peerConnection';
import { syntheticTorrent } from '../magnet/torrents';
import { extMessage, RawPeer } from './rawPeer';

/** the id our raw peer takes ut_metadata messages under */
const PEER_UT = 9;

describe('Extensions (seeding side of ut_metadata)', () => {
  const { meta, dict } = syntheticTorrent(3000); // 60 KB of info dict: 4 metadata pieces
  let server: Server;
  let port = 0;
  let conn: PeerConnection | undefined;
  let closeReason: string | undefined;
  let offer = true;

  beforeEach(async () => {
    conn = undefined;
    closeReason = undefined;
    offer = true;
    server = createServer((socket) => {
      const c = new PeerConnection(socket, { outgoing: false, ourPeerId: M.makePeerId(), resolve: () => meta.pieceCount });
      conn = c;
      // what the swarm does while it attaches a connection
      c.once('ready', () => offer && c.extensions.offerMetadata(() => dict));
      c.once('close', (reason) => (closeReason = reason));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterEach(() => {
    conn?.close('test over');
    server.close();
  });

  async function peer(extensions = true): Promise<RawPeer> {
    const p = await RawPeer.connect(port);
    p.write(M.handshake(meta.infoHash, M.makePeerId(), extensions));
    await p.until('our handshake', () => p.handshake);
    return p;
  }

  const request = (piece: number) => extMessage(OUR_UT_METADATA, { msg_type: 0, piece });
  const hello = (m: Record<string, number> = { ut_metadata: PEER_UT }) => extMessage(0, { m });

  it('answers with the info dict\'s exact bytes in 16 KiB pieces, rejects a piece past the end', async () => {
    const p = await peer();
    assert.equal(p.handshake![25] & 0x10, 0x10, 'our handshake sets the BEP 10 bit');
    const ours = await p.until('our extended handshake', () => p.extensions.find((e) => e.extId === 0));
    assert.equal(ours.dict.metadata_size, dict.length);
    assert.equal(ours.dict.m.ut_metadata, OUR_UT_METADATA);
    p.write(hello(), ...[3, 0, 2, 1, 4, 99].map(request));
    const answers = await p.until('six answers', () => (p.extensions.length === 7 ? p.extensions.slice(1) : undefined));
    for (const a of answers) assert.equal(a.extId, PEER_UT, 'answers go to the id the peer asked for');
    const data = answers.filter((a) => a.dict.msg_type === 1);
    assert.deepEqual(data.map((a) => [a.dict.piece, a.dict.total_size, a.tail.length]), [
      [3, dict.length, dict.length - 3 * 16384], [0, dict.length, 16384], [2, dict.length, 16384], [1, dict.length, 16384],
    ]);
    const assembled = Buffer.concat(data.sort((a, b) => a.dict.piece - b.dict.piece).map((a) => a.tail));
    assert.ok(createHash('sha1').update(assembled).digest().equals(meta.infoHash), 'the pieces hash to the info-hash');
    assert.deepEqual(answers.filter((a) => a.dict.msg_type === 2).map((a) => a.dict), [{ msg_type: 2, piece: 4 }, { msg_type: 2, piece: 99 }]);
    assert.equal(p.closed, false);
  });

  it('a peer that asks forever gets each piece three times, then rejects, then the door', async () => {
    const p = await peer();
    p.write(hello());
    const asks = 4 * 3 + 256;
    p.write(...Array.from({ length: asks }, (_, i) => request(i % 4)));
    await p.until('all answered', () => p.extensions.length === 1 + asks);
    const kinds = p.extensions.slice(1).map((e) => e.dict.msg_type);
    assert.deepEqual([kinds.filter((k) => k === 1).length, kinds.filter((k) => k === 2).length], [12, 256]);
    assert.equal(closeReason, undefined);
    p.write(request(0));
    await p.until('closed', () => closeReason);
    assert.equal(closeReason, 'more than 256 metadata requests refused');
  });

  it('without an info dict to give (a magnet peer itself) every request is rejected and no metadata_size is announced', async () => {
    offer = false;
    const p = await peer();
    const ours = await p.until('our extended handshake', () => p.extensions[0]);
    assert.equal(ours.dict.metadata_size, undefined);
    p.write(hello(), request(0));
    const answer = await p.until('the answer', () => p.extensions[1]);
    assert.deepEqual(answer.dict, { msg_type: 2, piece: 0 });
  });

  it('ignores extension messages under ids we never assigned, and answers afterwards', async () => {
    const p = await peer();
    p.write(hello(), extMessage(42, Buffer.from('garbage that is not bencode')), extMessage(1, { added: Buffer.alloc(6) }), request(1));
    const answer = await p.until('the answer', () => p.extensions[1]);
    assert.deepEqual([answer.dict.msg_type, answer.dict.piece, answer.tail.length], [1, 1, 16384]);
    assert.equal(closeReason, undefined);
  });

  it('closes with a reason on a hostile extended handshake, a request before the peer named its id, or a malformed request', async () => {
    const cases: [Buffer[], RegExp][] = [
      [[extMessage(0, Buffer.from('d1:mi5ee'))], /^extended handshake: m is not a dictionary$/],
      [[extMessage(0, Buffer.from('d1:m'))], /^extended handshake is not valid bencode/],
      [[extMessage(0, encode([1, 2]))], /^extended handshake is not a dictionary$/],
      [[request(0)], /^ut_metadata request from a peer that never said it speaks ut_metadata$/],
      [[hello(), extMessage(OUR_UT_METADATA, Buffer.from('d8:msg_typei0e5:piecei-1ee'))], /valid piece number/],
      [[hello(), extMessage(OUR_UT_METADATA, { msg_type: 7, piece: 0 })], /unknown msg_type 7/],
    ];
    for (const [bytes, reason] of cases) {
      closeReason = undefined;
      const p = await peer();
      p.write(...bytes);
      await p.until(`close for ${reason}`, () => closeReason);
      assert.match(closeReason!, reason);
      await p.until('the socket closed', () => p.closed);
    }
  });

  it('a peer without the BEP 10 bit gets no extension message, and sending one is an unknown message', async () => {
    const p = await peer(false);
    p.write(M.INTERESTED);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(p.frames.filter((f) => f.id === M.Msg.Extended).length, 0);
    p.write(request(0));
    await p.until('closed', () => closeReason);
    assert.equal(closeReason, 'unknown message id 20');
  });
});
