// A torrent's info dict as raw bytes, both ways: the exact bytes inside a .torrent (what hashes
// to the info-hash, what BEP 9 sends to a peer), and a .torrent built around bytes a peer sent.
import { encode, scanBencode } from '../bencode';
import { Metainfo, parseTorrent } from '../metainfo';

/** found once per torrent, only when a peer asks: 10,000 idle seeds pay nothing */
const cache = new WeakMap<Buffer, Buffer>();

/** The info dict's bytes exactly as in the .torrent (a view, not a copy); undefined without a torrent. */
export function infoDictOf(meta: { torrent?: Buffer }): Buffer | undefined {
  const torrent = meta.torrent;
  if (!torrent) return undefined;
  let dict = cache.get(torrent);
  if (!dict) {
    const span = scanBencode(torrent).info;
    if (!span) return undefined;
    dict = torrent.subarray(span.start, span.end);
    cache.set(torrent, dict);
  }
  return dict;
}

/**
 * A .torrent around an info dict from peers (already checked against the info-hash), with the
 * magnet's trackers as its announce list, parsed by the one metainfo parser: what it refuses
 * (v2-only, bad piece lengths, hostile file lists) is refused with the same words.
 */
export function torrentFromInfoDict(info: Buffer, trackers: string[]): Metainfo {
  const top: Record<string, unknown> = {};
  if (trackers.length > 0) {
    top.announce = trackers[0];
    top['announce-list'] = trackers.map((t) => [t]);
  }
  // keys in order: announce, announce-list < info, so the raw dict goes last, byte for byte
  const head = encode(top);
  const torrent = Buffer.concat([head.subarray(0, head.length - 1), Buffer.from('4:info'), info, Buffer.from('e')]);
  return parseTorrent(torrent);
}
