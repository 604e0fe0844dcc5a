// One announce to an HTTP tracker (BEP 3), asking for compact peers (BEP 23, BEP 7).
import { decode } from '../bencode';
import { STA_CATALOG_KEY } from '../catalogWire';
import { httpFetch } from './httpFetch';
import { parsePeers, PeerAddress } from './peers';
import { TrackerError } from './trackerError';
import { announceUrlOf } from './urls';

/** Peers asked for when the caller does not say. */
const DEFAULT_NUMWANT = 50;
/** seconds between announces when the tracker does not say */
const DEFAULT_INTERVAL = 60;
/** the tracker's interval is kept within this many seconds */
const MAX_INTERVAL = 3600;

export type AnnounceEvent = 'started' | 'completed' | 'stopped';

export interface AnnounceParams {
  infoHash: Buffer;
  peerId: Buffer;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event?: AnnounceEvent;
  numwant?: number;
  key?: string;
}

export interface AnnounceResult {
  interval: number;
  minInterval?: number;
  complete?: number;
  incomplete?: number;
  peers: PeerAddress[];
  /** STA trackers only: 1 when the catalog knows the torrent, 0 when it should be republished */
  staCatalog?: number;
  warning?: string;
}

/** Every byte percent-encoded: how info_hash and peer_id go into a query. */
export const pct = (b: Buffer): string => {
  let s = '';
  for (const c of b) s += (c < 16 ? '%0' : '%') + c.toString(16);
  return s;
};

export const clampInterval = (v: unknown): number | undefined => (Number.isInteger(v) ? Math.min(Math.max(v as number, 1), MAX_INTERVAL) : undefined);

export async function announce(url: string, p: AnnounceParams, timeoutMs?: number): Promise<AnnounceResult> {
  const u = new URL(announceUrlOf(url));
  const q = [
    `info_hash=${pct(p.infoHash)}`,
    `peer_id=${pct(p.peerId)}`,
    `port=${p.port}`,
    `uploaded=${p.uploaded}`,
    `downloaded=${p.downloaded}`,
    `left=${p.left}`,
    'compact=1',
    `numwant=${p.numwant ?? DEFAULT_NUMWANT}`,
  ];
  if (p.event) q.push(`event=${p.event}`);
  if (p.key) q.push(`key=${p.key}`);
  const full = `${u.origin}${u.pathname}?${u.search ? u.search.slice(1) + '&' : ''}${q.join('&')}`;
  const res = await httpFetch(full, { timeoutMs });
  let body;
  try {
    body = decode(res.body);
  } catch (e) {
    throw new TrackerError('malformed', `tracker ${u.host} sent an invalid response (HTTP ${res.status}): ${(e as Error).message}`);
  }
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) throw new TrackerError('malformed', `tracker ${u.host} sent a non-dictionary response`);
  if (body['failure reason']) throw new TrackerError('refused', `tracker ${u.host} refused: ${text(body['failure reason']) ?? '(no reason given)'}`);
  if (res.status !== 200) throw new TrackerError('http', `tracker ${u.host} answered HTTP ${res.status}`, res.status);
  return {
    interval: clampInterval(body.interval) ?? DEFAULT_INTERVAL,
    minInterval: clampInterval(body['min interval']),
    complete: Number.isInteger(body.complete) ? body.complete : undefined,
    incomplete: Number.isInteger(body.incomplete) ? body.incomplete : undefined,
    peers: parsePeers(body.peers, body.peers6),
    staCatalog: Number.isInteger(body[STA_CATALOG_KEY]) ? body[STA_CATALOG_KEY] : undefined,
    warning: text(body['warning message']),
  };
}

/** A string field of a hostile answer: only a bencoded string is text (a dict may carry its own `toString`). */
export const text = (v: unknown): string | undefined => (Buffer.isBuffer(v) ? v.toString() : undefined);
