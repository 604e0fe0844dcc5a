// One batched seeds announce to an STA tracker (POST /announce-seeds): many complete torrents of
// this peer in one request. A tracker without the route (any standard tracker) is told apart
// from one that is down: it answers 404/405/501, or something that is not bencode.
import { decode } from '../bencode';
import { SEEDS_LATER_KEY, SEEDS_UNKNOWN_KEY, SEEDS_WANTED_KEY } from '../catalogWire';
import { clampInterval, pct, text } from './announce';
import { httpFetch } from './httpFetch';
import { TrackerError } from './trackerError';
import { seedsUrlOf } from './urls';

/** seconds between announces when the tracker does not say */
const DEFAULT_INTERVAL = 60;
const HASH = 20;

export interface SeedsAnnounceParams {
  peerId: Buffer;
  port: number;
  /** one event for every torrent of the request; none for a regular re-announce */
  event?: 'started' | 'completed' | 'stopped';
  key?: string;
  /** 20-byte info-hashes, at most MAX_SEEDS_PER_ANNOUNCE */
  infoHashes: Buffer[];
}

export interface SeedsAnnounceResult {
  interval: number;
  minInterval?: number;
  /** info-hashes (hex) the tracker's catalog does not list: republish them */
  unknown: string[];
  /** info-hashes (hex) the tracker did not take this time: announce them again a little later */
  later: string[];
  /** info-hashes (hex) with leechers: announce them on their own for the leechers' addresses */
  wanted: string[];
}

/** Throws TrackerError: `unsupported` when the tracker has no seeds route, else as `announce` does. */
export async function announceSeeds(trackerUrl: string, p: SeedsAnnounceParams, timeoutMs?: number): Promise<SeedsAnnounceResult> {
  const url = seedsUrlOf(trackerUrl);
  const host = new URL(url).host;
  const q = [`peer_id=${pct(p.peerId)}`, `port=${p.port}`, 'uploaded=0', 'downloaded=0', 'left=0'];
  if (p.event) q.push(`event=${p.event}`);
  if (p.key) q.push(`key=${p.key}`);
  const body = Buffer.concat(p.infoHashes);
  const res = await httpFetch(`${url}?${q.join('&')}`, { method: 'POST', body, timeoutMs, headers: { 'Content-Type': 'application/octet-stream' } });
  const unsupported = () => new TrackerError('unsupported', `tracker ${host} does not take batched seeds announces (HTTP ${res.status})`, res.status);
  if (res.status === 404 || res.status === 405 || res.status === 501) throw unsupported();
  let answer;
  try {
    answer = decode(res.body);
  } catch {
    answer = undefined;
  }
  if (!answer || typeof answer !== 'object' || Buffer.isBuffer(answer) || Array.isArray(answer)) {
    // a proxy's error page in front of a tracker that is down is not a verdict on the tracker
    if (res.status >= 500) throw new TrackerError('http', `tracker ${host} answered HTTP ${res.status}`, res.status);
    throw unsupported();
  }
  const reason = answer['failure reason'];
  if (reason) throw new TrackerError('refused', `tracker ${host} refused: ${text(reason) ?? '(no reason given)'}`, res.status);
  if (res.status !== 200) throw new TrackerError('http', `tracker ${host} answered HTTP ${res.status}`, res.status);
  return {
    interval: clampInterval(answer.interval) ?? DEFAULT_INTERVAL,
    minInterval: clampInterval(answer['min interval']),
    unknown: hashList(answer[SEEDS_UNKNOWN_KEY], host),
    later: hashList(answer[SEEDS_LATER_KEY], host),
    wanted: hashList(answer[SEEDS_WANTED_KEY], host),
  };
}

/** Concatenated 20-byte info-hashes as hex; absent is none, anything else is a malformed answer. */
function hashList(v: unknown, host: string): string[] {
  if (v === undefined) return [];
  if (!Buffer.isBuffer(v) || v.length % HASH !== 0) {
    throw new TrackerError('malformed', `tracker ${host} sent a seeds answer whose info-hash list is not whole 20-byte hashes`);
  }
  const out: string[] = [];
  for (let i = 0; i < v.length; i += HASH) out.push(v.toString('hex', i, i + HASH));
  return out;
}
