// BEP 9 `ut_metadata` messages: the info dict travels in 16 KiB pieces. Each message is a small
// bencoded dict (`msg_type` 0 request, 1 data, 2 reject; `piece`; `total_size` on data), and a
// data message carries the piece's bytes right after that dict.
import { decode, encode } from '../bencode';
import { extendedMessage } from './extensionProtocol';
import { ProtocolError } from './frameParser';

/** BEP 9: every metadata piece is 16 KiB but the last */
export const METADATA_PIECE = 16 * 1024;

export const enum MetadataMsg {
  Request = 0,
  Data = 1,
  Reject = 2,
}

export interface MetadataMessage {
  type: MetadataMsg;
  piece: number;
  /** data messages: the whole info dict's size as the sender states it */
  totalSize?: number;
  /** data messages: the piece's bytes (a view of the frame) */
  data?: Buffer;
}

export const metadataPieceCount = (size: number): number => Math.ceil(size / METADATA_PIECE);

/** Bytes of piece `piece` of a `size`-byte info dict. */
export const metadataPieceLength = (size: number, piece: number): number => Math.min(METADATA_PIECE, size - piece * METADATA_PIECE);

/** A ut_metadata message for a peer that receives them under `peerExtId` (from its extended handshake). */
export function utMetadataMessage(peerExtId: number, type: MetadataMsg, piece: number, data?: { totalSize: number; bytes: Buffer }): Buffer {
  if (!data) return extendedMessage(peerExtId, encode({ msg_type: type, piece }));
  return extendedMessage(peerExtId, encode({ msg_type: type, piece, total_size: data.totalSize }), data.bytes);
}

/** keys a header may carry: honest ones have three */
const MAX_HEADER_KEYS = 16;

/** Reads a ut_metadata message (the payload after the extension id); throws ProtocolError on anything malformed. */
export function parseUtMetadata(payload: Buffer): MetadataMessage {
  const end = flatDictEnd(payload);
  let dict: any;
  try {
    dict = decode(payload.subarray(0, end), { maxDepth: 1, maxTokens: 1 + 2 * MAX_HEADER_KEYS });
  } catch (e) {
    throw new ProtocolError(`ut_metadata message is not valid bencode: ${(e as Error).message}`);
  }
  const { msg_type: type, piece, total_size: totalSize } = dict;
  if (type !== MetadataMsg.Request && type !== MetadataMsg.Data && type !== MetadataMsg.Reject) {
    throw new ProtocolError(`ut_metadata message of unknown msg_type ${Number.isSafeInteger(type) ? type : '(not an integer)'}`);
  }
  if (!Number.isSafeInteger(piece) || piece < 0) throw new ProtocolError('ut_metadata message without a valid piece number');
  if (type !== MetadataMsg.Data) {
    if (end !== payload.length) throw new ProtocolError(`ut_metadata ${type === 0 ? 'request' : 'reject'} with ${payload.length - end} bytes after it`);
    return { type, piece };
  }
  if (!Number.isSafeInteger(totalSize)) throw new ProtocolError('ut_metadata data without a valid total_size');
  return { type, piece, totalSize, data: payload.subarray(end) };
}

/**
 * Where the leading dict ends: a flat dict of string keys and integer or string values is all
 * BEP 9 needs, so nesting is refused; every length is checked against the buffer.
 */
function flatDictEnd(b: Buffer): number {
  const fail = (why: string): never => {
    throw new ProtocolError(`ut_metadata message: ${why}`);
  };
  if (b[0] !== 0x64 /* d */) fail('does not start with a dictionary');
  let pos = 1;
  const skipString = () => {
    const colon = b.indexOf(0x3a, pos);
    if (colon < 0 || colon - pos > 8) fail('bad string length');
    const len = Number(b.toString('latin1', pos, colon));
    if (!Number.isInteger(len) || colon + 1 + len > b.length) fail('string runs past the end');
    pos = colon + 1 + len;
  };
  for (let keys = 0; pos < b.length && b[pos] !== 0x65 /* e */; keys++) {
    if (keys >= MAX_HEADER_KEYS) fail(`more than ${MAX_HEADER_KEYS} keys`);
    skipString();
    if (b[pos] === 0x69 /* i */) {
      const e = b.indexOf(0x65, pos);
      if (e < 0 || e - pos > 22) fail('bad integer');
      pos = e + 1;
    } else if (b[pos] >= 0x30 && b[pos] <= 0x39) {
      skipString();
    } else {
      fail('values must be integers or strings');
    }
  }
  if (pos >= b.length) fail('unterminated dictionary');
  return pos + 1;
}
