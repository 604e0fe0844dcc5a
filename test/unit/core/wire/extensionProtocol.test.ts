// BEP 10 and BEP 9 on the wire: our handshake's reserved bit, our extended handshake as bytes,
// peers' extended handshakes (hostile ones refused with a reason, odd ones tolerated), and
// ut_metadata messages both ways.
import assert from 'node:assert/strict';
import { decode, encode } from '../../../../src/core/bencode';
import {
  extendedHandshake, OUR_UT_METADATA, parseExtendedHandshake, speaksExtensions,
} from '../../../../src/core/wire/extensionProtocol';
import { ProtocolError } from '../../../../src/core/wire/frameParser';
import * as M from '../../../../src/core/wire/messages';
import { MetadataMsg, metadataPieceCount, metadataPieceLength, parseUtMetadata, utMetadataMessage } from '../../../../src/core/wire/utMetadata';

const hs = (dict: unknown) => parseExtendedHandshake(encode(dict));

describe('BEP 10 extension protocol', () => {
  it('our handshake sets only reserved byte 5 bit 0x10, and only when asked', () => {
    const ours = M.handshake(Buffer.alloc(20, 1), Buffer.alloc(20, 2), true);
    assert.deepEqual([...ours.subarray(20, 28)], [0, 0, 0, 0, 0, 0x10, 0, 0]);
    assert.deepEqual([...M.handshake(Buffer.alloc(20, 1), Buffer.alloc(20, 2)).subarray(20, 28)], [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(speaksExtensions(ours.subarray(20, 28)), true);
    assert.equal(speaksExtensions(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xff, 0xff])), false);
  });

  it('our extended handshake: message 20/0 with m.ut_metadata, v, reqq, and metadata_size only when we have the dict', () => {
    for (const size of [undefined, 31_337]) {
      const msg = extendedHandshake(size);
      assert.equal(msg.readUInt32BE(0), msg.length - 4);
      assert.deepEqual([msg[4], msg[5]], [20, 0]);
      const dict = decode(msg.subarray(6));
      assert.equal(dict.m.ut_metadata, OUR_UT_METADATA);
      assert.match(dict.v.toString(), /^STA \d/);
      assert.equal(dict.reqq, 2000);
      assert.equal(dict.metadata_size, size);
    }
  });

  it('reads what an aria2, Transmission or libtorrent handshake carries', () => {
    const aria2 = { m: { ut_metadata: 2, ut_pex: 1, lt_donthave: 7 }, metadata_size: 5000, v: Buffer.from('aria2/1.36.0'), reqq: 250, yourip: Buffer.alloc(4) };
    const peer = hs(aria2);
    assert.deepEqual([...peer.ids], [['lt_donthave', 7], ['ut_metadata', 2], ['ut_pex', 1]]);
    assert.deepEqual([peer.metadataSize, peer.client, peer.reqq], [5000, 'aria2/1.36.0', 250]);
    // a later handshake updates: id 0 switches an extension off
    parseExtendedHandshake(encode({ m: { ut_metadata: 0 } }), peer);
    assert.equal(peer.ids.get('ut_metadata'), undefined);
    assert.equal(peer.ids.get('ut_pex'), 1);
  });

  it('refuses garbage with a reason, and treats odd fields as absent instead of trusting them', () => {
    const refused: [Buffer, RegExp][] = [
      [Buffer.from('not bencode'), /not valid bencode/],
      [Buffer.from('d1:mi5e'), /not valid bencode/],
      [Buffer.from('i42e'), /not a dictionary/],
      [Buffer.from('l1:ae'), /not a dictionary/],
      [encode({ m: 5 }), /m is not a dictionary/],
      [encode({ m: [1, 2] }), /m is not a dictionary/],
      [Buffer.from('d1:md9:__proto__i1eee'), /__proto__/],
      [Buffer.from('d13:metadata_sizei99999999999999999999ee'), /beyond 2\^53/],
      [Buffer.from('l'.repeat(50) + 'e'.repeat(50)), /nested too deeply|not a dictionary/],
      [Buffer.from('d1:m' + 'd1:a'.repeat(20) + 'i1e' + 'e'.repeat(20) + 'e'), /nested too deeply/],
      [Buffer.from('d1:vl' + 'i1e'.repeat(3000) + 'ee'), /too many values/],
    ];
    for (const [bytes, reason] of refused) {
      assert.throws(() => parseExtendedHandshake(bytes), (e: Error) => e instanceof ProtocolError && reason.test(e.message), bytes.toString('latin1'));
    }
    const odd = hs({ m: { ut_metadata: Buffer.from('2'), ut_pex: 256, x: -1, y: { z: 1 } }, metadata_size: Buffer.from('5000'), v: { a: 1 }, reqq: -3 });
    assert.equal(odd.ids.size, 0);
    assert.ok(Number.isNaN(odd.metadataSize), 'a metadata_size that is not an integer is flagged, not believed');
    assert.deepEqual([odd.client, odd.reqq], [undefined, undefined]);
    assert.deepEqual([hs({ metadata_size: 0 }).metadataSize, hs({ metadata_size: -5 }).metadataSize], [0, -5]);
    assert.equal(hs({ v: Buffer.alloc(10_000, 0x41) }).client!.length, 64);
  });
});

describe('BEP 9 ut_metadata messages', () => {
  it('pieces are 16 KiB but the last', () => {
    assert.deepEqual([1, 16384, 16385, 40_000].map(metadataPieceCount), [1, 1, 2, 3]);
    assert.deepEqual([0, 1, 2].map((p) => metadataPieceLength(40_000, p)), [16384, 16384, 40_000 - 32768]);
  });

  it('request, data and reject round-trip through the peer\'s id', () => {
    const req = utMetadataMessage(7, MetadataMsg.Request, 3);
    assert.deepEqual([req[4], req[5]], [20, 7]);
    assert.deepEqual(decode(req.subarray(6)), { msg_type: 0, piece: 3 });
    assert.deepEqual(parseUtMetadata(req.subarray(6)), { type: MetadataMsg.Request, piece: 3 });
    const bytes = Buffer.alloc(777, 9);
    const data = utMetadataMessage(7, MetadataMsg.Data, 2, { totalSize: 33_545, bytes });
    assert.equal(data.readUInt32BE(0), data.length - 4);
    const parsed = parseUtMetadata(data.subarray(6));
    assert.deepEqual([parsed.type, parsed.piece, parsed.totalSize], [MetadataMsg.Data, 2, 33_545]);
    assert.deepEqual(parsed.data, bytes);
    assert.deepEqual(parseUtMetadata(utMetadataMessage(7, MetadataMsg.Reject, 1).subarray(6)), { type: MetadataMsg.Reject, piece: 1 });
    // unknown keys and unsorted keys are tolerated, as other clients may send them
    assert.deepEqual(parseUtMetadata(Buffer.from('d5:piecei0e8:msg_typei2e3:foo3:bare')), { type: MetadataMsg.Reject, piece: 0 });
  });

  it('refuses malformed messages with a reason', () => {
    const cases: [string, RegExp][] = [
      ['', /does not start with a dictionary/],
      ['i1e', /does not start with a dictionary/],
      ['d8:msg_typei0e5:piecei0e', /unterminated/],
      ['d8:msg_typei0e5:piecei0eeXYZ', /request with 3 bytes after it/],
      ['d8:msg_typei3e5:piecei0ee', /unknown msg_type 3/],
      ['d8:msg_type1:15:piecei0ee', /unknown msg_type \(not an integer\)/],
      ['d8:msg_typei0e5:piecei-1ee', /valid piece number/],
      ['d8:msg_typei0e5:piece1:0e', /valid piece number/],
      ['d8:msg_typei1e5:piecei0ee', /without a valid total_size/],
      ['d8:msg_typei0e5:pieced1:ai1eee', /integers or strings/],
      ['d8:msg_typei0e5:piecei00ee', /not valid bencode/],
      ['d8:msg_typei0e5:piece99999:ab', /runs past the end/],
      ['d' + '1:ai1e'.repeat(17) + 'e', /more than 16 keys/],
    ];
    for (const [text, reason] of cases) {
      assert.throws(() => parseUtMetadata(Buffer.from(text, 'latin1')), (e: Error) => e instanceof ProtocolError && reason.test(e.message), text);
    }
  });
});
