// Small valid .torrents for the tracker's unit tests, built in memory.
import { encode } from '../../../../src/core/bencode';
import { Metainfo, parseTorrent } from '../../../../src/core/metainfo';

/** A one-piece torrent named `name`; `seed` makes its info-hash differ. */
export function torrentOf(name: string, seed = 0): Metainfo {
  const length = 1000 + seed;
  return parseTorrent(encode({ announce: 'http://127.0.0.1:1/announce', info: { name, length, 'piece length': 16384, pieces: Buffer.alloc(20, seed) } }));
}
