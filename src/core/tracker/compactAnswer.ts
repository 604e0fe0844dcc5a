// The compact announce answer, bencoded by hand: it is the tracker's hot path, and the
// generic encoder's object building, key sorting and buffer concatenation cost more than
// the swarm work. Byte for byte what `encode` makes of the same dict (keys in byte order).
import { STA_CATALOG_KEY } from '../catalogWire';

export interface CompactAnnounce {
  complete: number;
  incomplete: number;
  interval: number;
  minInterval: number;
  staCatalog: 0 | 1;
  /** compact IPv4 peers: `v4.subarray(0, v4Bytes)` */
  v4: Buffer;
  v4Bytes: number;
  /** compact IPv6 peers; the `peers6` key is left out when there are none */
  v6: Buffer;
  v6Bytes: number;
}

// the last key: it sorts after `peers6`
const STA_CATALOG = `${STA_CATALOG_KEY.length}:${STA_CATALOG_KEY}i`;

export function compactAnnounceBody(a: CompactAnnounce): Buffer {
  const head = `d8:completei${a.complete}e10:incompletei${a.incomplete}e8:intervali${a.interval}e12:min intervali${a.minInterval}e5:peers${a.v4Bytes}:`;
  const mid = a.v6Bytes > 0 ? `6:peers6${a.v6Bytes}:` : '';
  const tail = `${STA_CATALOG}${a.staCatalog}ee`;
  const out = Buffer.allocUnsafe(head.length + a.v4Bytes + mid.length + a.v6Bytes + tail.length);
  let at = out.write(head, 0, 'latin1');
  at += a.v4.copy(out, at, 0, a.v4Bytes);
  if (a.v6Bytes > 0) {
    at += out.write(mid, at, 'latin1');
    at += a.v6.copy(out, at, 0, a.v6Bytes);
  }
  out.write(tail, at, 'latin1');
  return out;
}
