// The peer lists of announce answers: BEP 23 compact, BEP 3 dictionaries, BEP 7 peers6.
import { TrackerError } from './trackerError';

export interface PeerAddress {
  ip: string;
  port: number;
}

const COMPACT_V4 = 6;
const COMPACT_V6 = 18;

/** Every usable address in an answer's `peers` and `peers6` (port 0 is skipped; a ragged compact list is refused). */
export function parsePeers(peers: unknown, peers6: unknown): PeerAddress[] {
  const out: PeerAddress[] = [];
  if (Buffer.isBuffer(peers)) {
    if (peers.length % COMPACT_V4 !== 0) throw new TrackerError('malformed', `compact peers length is not a multiple of ${COMPACT_V4}`);
    for (let i = 0; i < peers.length; i += COMPACT_V4) {
      const port = peers.readUInt16BE(i + 4);
      if (port !== 0) out.push({ ip: `${peers[i]}.${peers[i + 1]}.${peers[i + 2]}.${peers[i + 3]}`, port });
    }
  } else if (Array.isArray(peers)) {
    for (const p of peers) {
      const ip = Buffer.isBuffer(p?.ip) ? p.ip.toString() : undefined;
      if (ip && Number.isInteger(p.port) && p.port > 0 && p.port < 65536) out.push({ ip, port: p.port });
    }
  }
  if (Buffer.isBuffer(peers6)) {
    if (peers6.length % COMPACT_V6 !== 0) throw new TrackerError('malformed', `compact peers6 length is not a multiple of ${COMPACT_V6}`);
    for (let i = 0; i < peers6.length; i += COMPACT_V6) {
      const groups: string[] = [];
      for (let g = 0; g < 8; g++) groups.push(peers6.readUInt16BE(i + g * 2).toString(16));
      const port = peers6.readUInt16BE(i + 16);
      if (port !== 0) out.push({ ip: groups.join(':'), port });
    }
  }
  return out;
}
