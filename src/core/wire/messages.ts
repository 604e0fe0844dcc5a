// BEP 3 peer wire messages: ids, exact lengths, and encoders.
import { randomFillSync } from 'node:crypto';
export const PROTOCOL = Buffer.from('\x13BitTorrent protocol', 'latin1');
export const HANDSHAKE_LENGTH = 68;
/** bytes of a request (or cancel) message: length prefix, id, index, begin, length */
export const REQUEST_LENGTH = 17;
export { BLOCK_SIZE } from '../pieces';

export const enum Msg {
  Choke = 0,
  Unchoke = 1,
  Interested = 2,
  NotInterested = 3,
  Have = 4,
  Bitfield = 5,
  Request = 6,
  Piece = 7,
  Cancel = 8,
  Port = 9,
  /** BEP 10: one id for every extension message, the extension's own id in the next byte */
  Extended = 20,
}

/** BEP 10: bit 0x10 of reserved byte 5 says "I speak the extension protocol" */
export const EXTENSION_BYTE = 5;
export const EXTENSION_BIT = 0x10;

/** `extensions`: set the BEP 10 bit (our connections do); every other reserved bit stays zero. */
export function handshake(infoHash: Buffer, peerId: Buffer, extensions = false): Buffer {
  const b = Buffer.alloc(HANDSHAKE_LENGTH);
  PROTOCOL.copy(b, 0);
  if (extensions) b[20 + EXTENSION_BYTE] = EXTENSION_BIT;
  infoHash.copy(b, 28);
  peerId.copy(b, 48);
  return b;
}

export const KEEP_ALIVE = Buffer.alloc(4);

const simple = (id: number): Buffer => {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(1, 0);
  b[4] = id;
  return b;
};
export const CHOKE = simple(Msg.Choke);
export const UNCHOKE = simple(Msg.Unchoke);
export const INTERESTED = simple(Msg.Interested);
export const NOT_INTERESTED = simple(Msg.NotInterested);

export function have(index: number): Buffer {
  return haves([index]);
}

/** Several have messages in one buffer. */
export function haves(indexes: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(9 * indexes.length);
  indexes.forEach((index, i) => {
    b.writeUInt32BE(5, i * 9);
    b[i * 9 + 4] = Msg.Have;
    b.writeUInt32BE(index, i * 9 + 5);
  });
  return b;
}

export function bitfield(bits: Buffer): Buffer {
  const b = Buffer.alloc(5 + bits.length);
  b.writeUInt32BE(1 + bits.length, 0);
  b[4] = Msg.Bitfield;
  bits.copy(b, 5);
  return b;
}

function writeTriple(b: Buffer, at: number, id: number, index: number, begin: number, length: number): void {
  b.writeUInt32BE(REQUEST_LENGTH - 4, at);
  b[at + 4] = id;
  b.writeUInt32BE(index, at + 5);
  b.writeUInt32BE(begin, at + 9);
  b.writeUInt32BE(length, at + 13);
}

function triple(id: number, index: number, begin: number, length: number): Buffer {
  const b = Buffer.alloc(REQUEST_LENGTH);
  writeTriple(b, 0, id, index, begin, length);
  return b;
}

/** Several request messages in one buffer: one allocation and one write for a batch. */
export function requests(reqs: readonly { index: number; begin: number; length: number }[]): Buffer {
  const b = Buffer.allocUnsafe(REQUEST_LENGTH * reqs.length);
  reqs.forEach((r, i) => writeTriple(b, i * REQUEST_LENGTH, Msg.Request, r.index, r.begin, r.length));
  return b;
}

export const request = (index: number, begin: number, length: number) => triple(Msg.Request, index, begin, length);
export const cancel = (index: number, begin: number, length: number) => triple(Msg.Cancel, index, begin, length);

/** Header of a piece message; the block follows it on the socket without a copy. */
export function pieceHeader(index: number, begin: number, blockLength: number): Buffer {
  const b = Buffer.allocUnsafe(13); // from Node's pool: every byte is written below
  b.writeUInt32BE(9 + blockLength, 0);
  b[4] = Msg.Piece;
  b.writeUInt32BE(index, 5);
  b.writeUInt32BE(begin, 9);
  return b;
}

/**
 * BEP 20 peer id: "-ST0100-" + 12 random bytes. "ST" is not in BEP 20's list of client codes
 * (it names SymTorrent in some unofficial lists, which is long dead).
 */
export function makePeerId(version = '0100'): Buffer {
  const id = Buffer.alloc(20);
  id.write(`-ST${version}-`, 0, 'latin1');
  randomFillSync(id, 8, 12);
  return id;
}
