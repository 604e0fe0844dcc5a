// Torrents for metadata tests, built without hashing a file: the info dict is what matters here.
import { randomBytes } from 'node:crypto';
import { encode } from '../../../../src/core/bencode';
import { infoDictOf } from '../../../../src/core/magnet/infoDict';
import { Metainfo, parseTorrent } from '../../../../src/core/metainfo';

/** A single-file torrent of `pieces` 16 KiB pieces (random hashes): its info dict is about 20 × pieces bytes. */
export function syntheticTorrent(pieces: number, extra: Record<string, unknown> = {}): { meta: Metainfo; dict: Buffer } {
  const info = { length: pieces * 16384 - 100, name: Buffer.from('data.bin'), 'piece length': 16384, pieces: randomBytes(20 * pieces), ...extra };
  const meta = parseTorrent(encode({ announce: Buffer.from('http://127.0.0.1:1/announce'), info }));
  return { meta, dict: infoDictOf(meta)! };
}
