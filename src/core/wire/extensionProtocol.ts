// BEP 10, the extension protocol: the reserved bit, message id 20 with the extension's id in the
// next byte, and the extended handshake (a bencoded dict: `m` maps extension names to the ids
// its sender wants to receive them under, plus `metadata_size`, `v`, `reqq`).
import { decode, encode } from '../bencode';
import { ProtocolError } from './frameParser';
import { EXTENSION_BIT, EXTENSION_BYTE, Msg } from './messages';

/** the extended handshake's own id inside message 20 */
export const EXTENDED_HANDSHAKE = 0;
/** the id we ask peers to send ut_metadata messages under (any 1..255 would do; libtorrent uses 2, we 3) */
export const OUR_UT_METADATA = 3;
/** what we tell peers about our request queue: the flood limit of PeerRequests */
export const OUR_REQQ = 2000;
/** `v`: the client's name and version (BEP 10 suggests "name version") */
export const OUR_CLIENT = 'STA 0.1';

/** Did this 8-byte reserved field come from a peer that speaks BEP 10? */
export function speaksExtensions(reserved: Buffer): boolean {
  return (reserved[EXTENSION_BYTE] & EXTENSION_BIT) !== 0;
}

/** One whole extension message: frame length, id 20, the extension's id, its payload. */
export function extendedMessage(extId: number, ...payload: Buffer[]): Buffer {
  const size = payload.reduce((n, b) => n + b.length, 0);
  const head = Buffer.allocUnsafe(6);
  head.writeUInt32BE(2 + size, 0);
  head[4] = Msg.Extended;
  head[5] = extId;
  return Buffer.concat([head, ...payload], 6 + size);
}

/** Our extended handshake; `metadataSize` when we hold the torrent's info dict (BEP 9). */
export function extendedHandshake(metadataSize?: number): Buffer {
  const dict: Record<string, unknown> = { m: { ut_metadata: OUR_UT_METADATA }, reqq: OUR_REQQ, v: OUR_CLIENT };
  if (metadataSize !== undefined) dict.metadata_size = metadataSize;
  return extendedMessage(EXTENDED_HANDSHAKE, encode(dict));
}

/** What a peer's extended handshakes told us so far (a later one updates an earlier one). */
export interface PeerExtensions {
  /** extension name → the id the peer wants it sent under; a name it switched off (id 0) is removed */
  ids: Map<string, number>;
  /**
   * `metadata_size` as sent, when it was an integer (maybe 0, negative or huge: the metadata fetcher
   * judges it against its cap); `NaN` when it was something else. Absent: the peer has no metadata to give.
   */
  metadataSize?: number;
  /** `v`, the peer's client, at most 64 characters */
  client?: string;
  /** `reqq`, how many requests the peer queues, when a positive integer */
  reqq?: number;
}

/** nesting and value counts an honest extended handshake never comes near (libtorrent's has ~15 values) */
const HANDSHAKE_LIMITS = { maxDepth: 8, maxTokens: 2000 };

/** Reads a peer's extended handshake into `into` (a fresh one when absent); throws ProtocolError when it is not a bencoded dict. */
export function parseExtendedHandshake(payload: Buffer, into: PeerExtensions = { ids: new Map() }): PeerExtensions {
  let dict: any;
  try {
    dict = decode(payload, HANDSHAKE_LIMITS);
  } catch (e) {
    throw new ProtocolError(`extended handshake is not valid bencode: ${(e as Error).message}`);
  }
  if (!isDict(dict)) throw new ProtocolError('extended handshake is not a dictionary');
  if (dict.m !== undefined) {
    if (!isDict(dict.m)) throw new ProtocolError('extended handshake: m is not a dictionary');
    for (const [name, id] of Object.entries(dict.m)) {
      // an id that is not 0..255 cannot be sent back in one byte: that extension is treated as absent
      if (Number.isInteger(id) && (id as number) > 0 && (id as number) <= 255) into.ids.set(name, id as number);
      else into.ids.delete(name);
    }
  }
  const { metadata_size: size, v, reqq } = dict;
  if (size !== undefined) into.metadataSize = typeof size === 'number' && Number.isSafeInteger(size) ? size : NaN;
  if (Buffer.isBuffer(v)) into.client = v.toString('utf8', 0, Math.min(v.length, 256)).slice(0, 64);
  if (typeof reqq === 'number' && Number.isSafeInteger(reqq) && reqq > 0) into.reqq = reqq;
  return into;
}

const isDict = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Buffer.isBuffer(v) && !Array.isArray(v);
