// FrameParser: the byte stream → handshake + frames, with every length checked before
// the body is buffered.
import assert from 'node:assert/strict';
import { FrameParser, Frame, MAX_EXTENDED_FRAME, ProtocolError } from '../../../../src/core/wire/frameParser';
import * as M from '../../../../src/core/wire/messages';
import { prng } from '../../../helpers/prng';

const MAX_FRAME = 1 + 8 + M.BLOCK_SIZE;
const INFO_HASH = Buffer.alloc(20, 0xab);
const PEER_ID = Buffer.from('-TT0001-abcdefghijkl');

function frame(id: number, payload: Buffer = Buffer.alloc(0), len = 1 + payload.length): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32BE(len, 0);
  b[4] = id;
  payload.copy(b, 5);
  return b;
}

function pieceFrame(index: number, begin: number, block: Buffer): Buffer {
  return Buffer.concat([M.pieceHeader(index, begin, block.length), block]);
}

/** Every frame `p` yields now (copies the payloads, since a view may alias a chunk). */
function drain(p: FrameParser): Frame[] {
  const out: Frame[] = [];
  for (let f = p.next(); f; f = p.next()) out.push({ id: f.id, payload: Buffer.from(f.payload) });
  return out;
}

function parser(pieceCount = 0): FrameParser {
  const p = new FrameParser();
  p.pieceCount = pieceCount;
  return p;
}

/** The ProtocolError that parsing `bytes` in one push raises. */
function rejectOf(bytes: Buffer, pieceCount = 0): ProtocolError {
  const p = parser(pieceCount);
  p.push(bytes);
  try {
    drain(p);
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${e}`);
    return e;
  }
  assert.fail(`accepted ${bytes.subarray(0, 16).toString('hex')}…`);
}

describe('FrameParser', () => {
  const PIECES = 37; // 5 bitfield bytes, 3 spare bits

  /** A stream of every message kind, the first/last sizes of pieces, and keep-alives. */
  function sampleStream(): { bytes: Buffer; frames: Frame[] } {
    const r = prng(7);
    const bits = Buffer.from([0xff, 0x00, 0x5a, 0xa5, 0xe0]);
    const parts: Buffer[] = [
      M.KEEP_ALIVE,
      M.bitfield(bits),
      M.CHOKE,
      M.UNCHOKE,
      M.INTERESTED,
      M.NOT_INTERESTED,
      M.have(0),
      M.have(PIECES - 1),
      M.KEEP_ALIVE,
      M.KEEP_ALIVE,
      M.request(3, 16384, 16384),
      M.cancel(3, 16384, 16384),
      frame(M.Msg.Port, Buffer.from([0x1a, 0xe1])),
      pieceFrame(1, 0, r.bytes(1)),
      pieceFrame(2, 16384, r.bytes(M.BLOCK_SIZE)),
      pieceFrame(36, 0, r.bytes(777)),
      M.KEEP_ALIVE,
    ];
    const frames = parts.map((b) => (b.readUInt32BE(0) === 0 ? { id: -1, payload: Buffer.alloc(0) } : { id: b[4], payload: b.subarray(5) }));
    return { bytes: Buffer.concat([M.handshake(INFO_HASH, PEER_ID), ...parts]), frames };
  }

  function parseAll(chunks: Buffer[]): { hs: ReturnType<FrameParser['readHandshake']>; frames: Frame[] } {
    const p = parser(PIECES);
    let hs: ReturnType<FrameParser['readHandshake']>;
    const frames: Frame[] = [];
    for (const c of chunks) {
      p.push(c);
      if (!hs) {
        hs = p.readHandshake();
        if (hs) hs = { reserved: Buffer.from(hs.reserved), infoHash: Buffer.from(hs.infoHash), peerId: Buffer.from(hs.peerId) };
        else continue;
      }
      frames.push(...drain(p));
    }
    assert.equal(p.bufferedBytes, 0, 'nothing left over');
    return { hs, frames };
  }

  it('gives the same handshake and frames whether the stream comes whole, one byte per push, or in random chunks', () => {
    const { bytes, frames } = sampleStream();
    const whole = parseAll([bytes]);
    assert.deepEqual(whole.hs!.infoHash, INFO_HASH);
    assert.deepEqual(whole.hs!.peerId, PEER_ID);
    assert.deepEqual(whole.hs!.reserved, Buffer.alloc(8));
    assert.deepEqual(whole.frames, frames);

    const bytewise = parseAll([...bytes].map((b) => Buffer.from([b])));
    assert.deepEqual(bytewise, whole);

    const r = prng(99);
    for (let round = 0; round < 50; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, r.pick([0, 1, 2, 3, 4, 5, 13, 17, 68, 1000, 20000]));
        chunks.push(bytes.subarray(at, at + n)); // empty chunks too
        at += n;
      }
      assert.deepEqual(parseAll(chunks), whole, `round ${round}`);
    }
  });

  it('splits the stream at every single byte boundary the same way', () => {
    const { bytes } = sampleStream();
    const whole = parseAll([bytes]);
    for (let cut = 1; cut < bytes.length; cut += cut < 200 ? 1 : 97) {
      assert.deepEqual(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `cut at ${cut}`);
    }
  });

  it('returns a piece that sits inside one chunk as a view of that chunk, without copying', () => {
    const p = parser(PIECES);
    const block = prng(3).bytes(M.BLOCK_SIZE);
    const chunk = Buffer.concat([M.have(1), pieceFrame(4, 32768, block), M.KEEP_ALIVE]);
    p.push(chunk);
    assert.equal(p.next()!.id, M.Msg.Have);
    const f = p.next()!;
    assert.equal(f.id, M.Msg.Piece);
    assert.equal(f.payload.buffer, chunk.buffer, 'same ArrayBuffer: no copy');
    assert.equal(f.payload.byteOffset, chunk.byteOffset + 9 + 5);
    assert.equal(f.payload.readUInt32BE(0), 4);
    assert.equal(f.payload.readUInt32BE(4), 32768);
    assert.deepEqual(f.payload.subarray(8), block);
    assert.equal(p.next()!.id, -1);
    assert.equal(p.next(), undefined);

    // straddling two chunks it has to be copied once, and the bytes are the same
    const whole = pieceFrame(4, 0, block);
    const q = parser(PIECES);
    q.push(whole.subarray(0, 100));
    assert.equal(q.next(), undefined);
    q.push(whole.subarray(100));
    const g = q.next()!;
    assert.notEqual(g.payload.buffer, whole.buffer);
    assert.deepEqual(g.payload.subarray(8), block);
  });

  it('with gatherBlocks, hands a block that straddles chunks over as views of them, in order', () => {
    const block = prng(4).bytes(M.BLOCK_SIZE);
    const whole = Buffer.concat([pieceFrame(7, 16384, block), M.have(2)]);
    const p = parser(PIECES);
    p.gatherBlocks = true;
    const chunks = [whole.subarray(0, 20), whole.subarray(20, 9000), whole.subarray(9000)];
    for (const c of chunks) p.push(c);
    const f = p.next()!;
    assert.equal(f.id, M.Msg.Piece);
    assert.equal(f.payload.readUInt32BE(0), 7);
    assert.equal(f.payload.readUInt32BE(4), 16384);
    assert.ok(f.block && f.block.length === 3, 'three views');
    f.block!.forEach((part, i) => assert.equal(part.buffer, chunks[i].buffer, `part ${i} is a view, not a copy`));
    assert.deepEqual(Buffer.concat(f.block!), block);
    assert.equal(p.next()!.id, M.Msg.Have, 'the next frame follows intact');
    assert.equal(p.bufferedBytes, 0);
  });

  it('checks the exact length of every message id', () => {
    const exact: Record<number, number> = {
      [M.Msg.Choke]: 1,
      [M.Msg.Unchoke]: 1,
      [M.Msg.Interested]: 1,
      [M.Msg.NotInterested]: 1,
      [M.Msg.Have]: 5,
      [M.Msg.Bitfield]: 1 + Math.ceil(PIECES / 8),
      [M.Msg.Request]: 13,
      [M.Msg.Cancel]: 13,
      [M.Msg.Port]: 3,
    };
    let checked = 0;
    for (const [idStr, want] of Object.entries(exact)) {
      const id = Number(idStr);
      for (let len = 1; len <= 40; len++) {
        const bytes = frame(id, Buffer.alloc(len - 1), len);
        if (len === want) {
          const p = parser(PIECES);
          p.push(bytes);
          const f = p.next()!;
          assert.equal(f.id, id);
          assert.equal(f.payload.length, want - 1);
        } else {
          const e = rejectOf(bytes, PIECES);
          assert.match(e.message, new RegExp(`^message ${id} with length ${len} \\(must be ${want}\\)$`));
        }
        checked++;
      }
    }
    // piece: 9 + 1..16384
    for (const len of [1, 2, 5, 9]) assert.match(rejectOf(frame(M.Msg.Piece, Buffer.alloc(len - 1), len), PIECES).message, /^piece message of \d+ bytes/);
    for (const len of [10, 9 + 777, 9 + M.BLOCK_SIZE]) {
      const p = parser(PIECES);
      p.push(frame(M.Msg.Piece, Buffer.alloc(len - 1), len));
      assert.equal(p.next()!.payload.length, len - 1);
    }
    assert.match(rejectOf(frame(M.Msg.Piece, Buffer.alloc(0), 9 + M.BLOCK_SIZE + 1), PIECES).message, /over the \d+-byte limit/);
    assert.ok(checked > 300);
  });

  it('rejects an oversized length prefix as soon as the 4 length bytes arrive, before any body', () => {
    for (const len of [0xffffffff, 2 ** 20, 2 ** 31, MAX_FRAME + 1, 0x13426974 /* a second handshake */]) {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(len >>> 0, 0);
      for (const pieces of [0, PIECES]) {
        const p = parser(pieces);
        p.push(head.subarray(0, 3));
        assert.equal(p.next(), undefined, 'three bytes are not enough to judge');
        p.push(head.subarray(3));
        const overLimit = new RegExp(`^frame of ${len} bytes is over the ${MAX_FRAME}-byte limit$`);
        assert.throws(() => p.next(), (e: Error) => e instanceof ProtocolError && overLimit.test(e.message));
        assert.equal(p.bufferedBytes, 4, 'judged on the prefix alone');
      }
    }
    // a length that is fine in general but wrong for its id is rejected on the 5th byte
    const p = parser(PIECES);
    p.push(Buffer.from([0, 0, 0x40, 0x00]));
    assert.equal(p.next(), undefined, 'needs the id');
    p.push(Buffer.from([M.Msg.Have]));
    assert.throws(() => p.next(), /message 4 with length 16384 \(must be 5\)/);
    assert.equal(p.bufferedBytes, 5);
  });

  it('checks the bitfield size against the piece count, and refuses one before the torrent is known', () => {
    for (const pieces of [1, 8, 9, 37, 64, 1000]) {
      const want = Math.ceil(pieces / 8);
      for (const bytes of [want - 1, want + 1, want + 8, 0].filter((n) => n >= 0 && n !== want)) {
        assert.match(rejectOf(M.bitfield(Buffer.alloc(bytes)), pieces).message, new RegExp(`^message 5 with length ${1 + bytes} \\(must be ${1 + want}\\)$`));
      }
      const p = parser(pieces);
      p.push(M.bitfield(Buffer.alloc(want, 0xff)));
      assert.equal(p.next()!.payload.length, want); // spare bits are the connection's business
    }
    assert.match(rejectOf(M.bitfield(Buffer.alloc(5))).message, /bitfield before the torrent is known/);
    // a torrent with so many pieces that its bitfield is over the frame cap: exactly that size passes
    const many = 200_000;
    const big = M.bitfield(Buffer.alloc(many / 8));
    assert.ok(big.length - 4 > MAX_FRAME);
    const p = parser(many);
    p.push(big);
    assert.equal(p.next()!.payload.length, many / 8);
    assert.match(rejectOf(M.bitfield(Buffer.alloc(many / 8 + 1)), many).message, /over the \d+-byte limit/);
  });

  it('closes on an unknown message id (BEP 10\'s 20 included when the peer did not set the extension bit)', () => {
    for (const id of [10, 11, 13, 14, 15, 16, 17, 20, 0x7f, 0xff]) {
      for (const len of [1, 2, 50]) {
        const head = frame(id, Buffer.alloc(0), len); // header only: judged before the body
        const e = rejectOf(head, PIECES);
        assert.equal(e.message, `unknown message id ${id}`);
      }
    }
  });

  it('with the peer\'s BEP 10 bit: extension messages up to a metadata piece and its dict, judged on the id byte', () => {
    const ext = () => {
      const p = parser(PIECES);
      p.extended = true;
      return p;
    };
    // a 16 KiB ut_metadata piece after its dict is longer than any BEP 3 frame
    const header = Buffer.from('d8:msg_typei1e5:piecei0e10:total_sizei99999ee');
    const big = frame(M.Msg.Extended, Buffer.concat([Buffer.from([3]), header, Buffer.alloc(M.BLOCK_SIZE)]));
    assert.ok(big.length - 4 > MAX_FRAME);
    const p = ext();
    p.push(big.subarray(0, 4));
    assert.equal(p.next(), undefined, 'needs the id before judging a long frame');
    p.push(big.subarray(4));
    const f = p.next()!;
    assert.deepEqual([f.id, f.payload.length], [M.Msg.Extended, big.length - 5]);
    const empty = ext();
    empty.push(frame(M.Msg.Extended, Buffer.alloc(0), 1));
    assert.throws(() => empty.next(), new RegExp(`^Error: extension message of 1 bytes \\(must be 2\\.\\.${MAX_EXTENDED_FRAME}\\)$`));
    // the long lengths are only for id 20: any other id with one is refused on its 5th byte
    const q = ext();
    q.push(frame(M.Msg.Have, Buffer.alloc(0), MAX_FRAME + 100));
    assert.throws(() => q.next(), /message 4 with length 16493 \(must be 5\)/);
    assert.equal(q.bufferedBytes, 5);
    // and beyond the extension cap, the prefix alone decides as before
    const r = ext();
    r.push(frame(M.Msg.Extended, Buffer.alloc(0), MAX_EXTENDED_FRAME + 1).subarray(0, 4));
    assert.throws(() => r.next(), /over the \d+-byte limit/);
  });

  it('a metadata-only connection (anyBitfield) reads a bitfield of any plausible size, and no more', () => {
    for (const bytes of [0, 1, 5, 40_000]) {
      const p = parser(0);
      p.anyBitfield = true;
      p.push(M.bitfield(Buffer.alloc(bytes, 0xff)));
      assert.equal(p.next()!.payload.length, bytes);
    }
    const p = parser(0);
    p.anyBitfield = true;
    p.push(M.bitfield(Buffer.alloc((1 << 20) / 8 + 1)).subarray(0, 4));
    assert.throws(() => p.next(), /over the \d+-byte limit/);
  });

  it('reads keep-alives one at a time, whole or split', () => {
    const p = parser(PIECES);
    p.push(Buffer.concat([M.KEEP_ALIVE, M.KEEP_ALIVE, M.KEEP_ALIVE.subarray(0, 2)]));
    assert.deepEqual(p.next(), { id: -1, payload: Buffer.alloc(0) });
    assert.deepEqual(p.next(), { id: -1, payload: Buffer.alloc(0) });
    assert.equal(p.next(), undefined);
    p.push(Buffer.from([0]));
    assert.equal(p.next(), undefined);
    p.push(Buffer.concat([Buffer.from([0]), M.INTERESTED]));
    assert.equal(p.next()!.id, -1);
    assert.equal(p.next()!.id, M.Msg.Interested);
    assert.equal(p.next(), undefined);
    assert.equal(p.bufferedBytes, 0);
    // a flood of them costs nothing but the bytes
    const q = parser(PIECES);
    q.push(Buffer.alloc(4 * 100_000));
    let n = 0;
    for (let f = q.next(); f; f = q.next()) n++;
    assert.equal(n, 100_000);
  });

  it('rejects a non-BitTorrent first byte at once, and waits for a truncated handshake', () => {
    for (const first of ['G', '\x00', '\x14', '\xff']) {
      const p = new FrameParser();
      p.push(Buffer.from(first, 'latin1'));
      assert.throws(() => p.readHandshake(), /not a BitTorrent handshake/);
    }
    const typo = Buffer.from('\x13BitTorrent protocoX', 'latin1');
    const p = new FrameParser();
    p.push(typo.subarray(0, 19));
    assert.equal(p.readHandshake(), undefined);
    p.push(typo.subarray(19));
    assert.throws(() => p.readHandshake(), /not a BitTorrent handshake/);

    const hs = M.handshake(INFO_HASH, PEER_ID);
    const q = new FrameParser();
    for (let i = 0; i < hs.length - 1; i++) {
      q.push(hs.subarray(i, i + 1));
      assert.equal(q.readHandshake(), undefined, `after ${i + 1} bytes`);
    }
    q.push(hs.subarray(hs.length - 1));
    assert.deepEqual(q.readHandshake()!.peerId, PEER_ID);
  });
});
