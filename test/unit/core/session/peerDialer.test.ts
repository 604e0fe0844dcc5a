// PeerDialer and its candidates table: whom it dials and when, what a dial hands over, and
// which of two connections to one peer survives.
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:net';
import { silentLogger } from '../../../../src/core/log';
import { DuplicateCandidate, PeerDialer, PeerDialerOptions } from '../../../../src/core/session/peerDialer';
import { PeerCandidates } from '../../../../src/core/session/peerCandidates';
import { makePeerId } from '../../../../src/core/wire/messages';
import { PeerConnection, ReadyConnection } from '../../../../src/core/wire/peerConnection';
import { waitFor } from '../../../helpers/wait';

const INFO_HASH = Buffer.alloc(20, 7);
const addr = (port: number) => ({ ip: '127.0.0.1', port });

describe('PeerCandidates', () => {
  it('hands out due candidates up to the room, never banned, connected or already dialling ones', () => {
    const banned = new Set(['10.0.0.3:1']);
    const c = new PeerCandidates((a) => banned.has(a));
    c.add([1, 2, 3, 4, 5].map((i) => ({ ip: `10.0.0.${i}`, port: 1 })), false);
    const first = c.take(2, (a) => a === '10.0.0.1:1', 0).map((x) => x.key);
    assert.deepEqual(first, ['10.0.0.2:1', '10.0.0.4:1']);
    assert.equal(c.dialingCount, 2);
    banned.add('10.0.0.5:1');
    assert.deepEqual(c.take(10, () => false, 0).map((x) => x.key), ['10.0.0.1:1'], 'banned after being added: still never dialled');
  });

  it('backs off after each failure, and gives up after five', () => {
    const c = new PeerCandidates(() => false);
    c.add([{ ip: '10.0.0.1', port: 1 }], false);
    let now = 0;
    const retries: number[] = [];
    for (let k = 0; k < 6; k++) {
      const [cand] = c.take(1, () => false, now);
      c.failed(cand, now);
      const next = cand.nextTry;
      assert.deepEqual(c.take(1, () => false, next - 1), [], 'not before its time');
      retries.push(next - now);
      now = next;
    }
    assert.deepEqual(retries, [4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    assert.deepEqual(c.take(1, () => false, now + 1e9), [], 'given up');
  });

  it('a seed does not dial the seeders it already finished with', () => {
    const c = new PeerCandidates(() => false);
    c.finishedWith('10.0.0.1:1', true);
    c.add([{ ip: '10.0.0.1', port: 1 }, { ip: '10.0.0.2', port: 1 }], true);
    assert.deepEqual(c.take(10, () => false, 0).map((x) => x.key), ['10.0.0.2:1']);
  });
});

describe('PeerDialer', () => {
  let server: Server | undefined;
  const remoteId = makePeerId();
  afterEach(() => server?.close());

  /** A peer on loopback that answers the handshake for INFO_HASH; resolves to its port. */
  async function listeningPeer(): Promise<number> {
    const s = createServer((socket) => new PeerConnection(socket, { outgoing: false, ourPeerId: remoteId, resolve: () => 4 }));
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return (s.address() as { port: number }).port;
  }

  function dialer(over: Partial<PeerDialerOptions> = {}) {
    const attached: ReadyConnection[] = [];
    const d = new PeerDialer({
      peerId: makePeerId(),
      infoHash: INFO_HASH,
      pieceCount: 4,
      localAddress: '127.0.0.1',
      log: silentLogger,
      isBanned: () => false,
      active: () => true,
      isConnected: () => false,
      attach: (conn) => (attached.push(conn), true),
      ...over,
    });
    return { d, attached };
  }

  it('dials a candidate and hands over the handshaken connection', async () => {
    const port = await listeningPeer();
    const { d, attached } = dialer();
    d.add([addr(port)], false);
    d.dial(5);
    assert.equal(d.dialing, 1);
    await waitFor('the handshake', () => attached.length === 1, 5000, 5);
    const [conn] = attached;
    assert.ok(conn.peerId.equals(remoteId) && conn.infoHash.equals(INFO_HASH) && conn.outgoing);
    assert.equal(conn.have.length, 4);
    assert.equal(d.dialing, 0);
    conn.close('done');
  });

  it('a refused dial is not retried at once; a torrent stopped meanwhile drops the socket', async () => {
    const port = await listeningPeer();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const { d, attached } = dialer();
    d.add([addr(port)], false);
    d.dial(5);
    await waitFor('the refusal', () => d.dialing === 0, 5000, 5);
    d.dial(5);
    assert.equal(d.dialing, 0, 'backing off');

    const live = await listeningPeer();
    const stopped = dialer({ active: () => false });
    stopped.d.add([addr(live)], false);
    stopped.d.dial(5);
    await waitFor('the connect', () => stopped.d.dialing === 0, 5000, 5);
    assert.deepEqual([...attached, ...stopped.attached], []);
  });

  it('of two connections to one peer, keeps the one opened by the smaller peer id, on both ends', () => {
    const ours = Buffer.alloc(20, 1);
    const theirs = Buffer.alloc(20, 2);
    const conn = (outgoing: boolean) => {
      const c = { peerId: theirs, outgoing, closed: '', close: (reason: string) => void (c.closed = reason) };
      return c satisfies DuplicateCandidate;
    };
    const { d } = dialer({ peerId: ours });
    const [ourDial, theirDial] = [conn(true), conn(false)];
    assert.equal(d.settleDuplicate(theirDial, [ourDial]), false, 'ours is kept: our id is smaller');
    assert.deepEqual([ourDial.closed, theirDial.closed], ['', 'duplicate connection']);
    const [ourDial2, theirDial2] = [conn(true), conn(false)];
    assert.equal(d.settleDuplicate(ourDial2, [theirDial2]), true);
    assert.deepEqual([ourDial2.closed, theirDial2.closed], ['', 'duplicate connection']);
    assert.equal(d.settleDuplicate(conn(true), [{ ...conn(false), peerId: Buffer.alloc(20, 3) }]), true, 'another peer: no duplicate');
  });
});
