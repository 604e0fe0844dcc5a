// Talking to HTTP trackers as a peer: announce (BEP 3/23/7), and STA's catalog routes.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { decode } from '../bencode';
import type { CatalogFileJson } from './catalog';

/** What went wrong talking to a tracker: callers branch on `kind`, never on the message. */
export type TrackerErrorKind = 'badUrl' | 'unreachable' | 'timeout' | 'tooLarge' | 'http' | 'refused' | 'malformed';

export class TrackerError extends Error {
  constructor(readonly kind: TrackerErrorKind, message: string, readonly status?: number) {
    super(message);
  }
}

export interface PeerAddress {
  ip: string;
  port: number;
}

export interface AnnounceParams {
  infoHash: Buffer;
  peerId: Buffer;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event?: 'started' | 'completed' | 'stopped';
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

const MAX_RESPONSE = 1024 * 1024;

/** A tracker URL as users type it (`http://host:7070` or `…/announce`) made into an announce URL. */
export function announceUrlOf(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TrackerError('badUrl', `tracker URL must be http(s): ${url}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/announce';
  return u.toString();
}

/** The base URL of STA's catalog next to an announce URL (`/announce` → `/catalog`). */
export function catalogUrlOf(url: string): string {
  const u = new URL(announceUrlOf(url));
  u.pathname = u.pathname.replace(/\/announce[^/]*$/, '') + '/catalog';
  u.search = '';
  return u.toString();
}

const pct = (b: Buffer): string => {
  let s = '';
  for (const c of b) s += (c < 16 ? '%0' : '%') + c.toString(16);
  return s;
};

export function httpFetch(url: string, opts: { method?: string; body?: Buffer; timeoutMs?: number; maxBytes?: number; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: opts.method ?? 'GET', headers: { ...opts.headers, ...(opts.body ? { 'Content-Length': String(opts.body.length) } : {}) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const max = opts.maxBytes ?? MAX_RESPONSE;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > max) {
            req.destroy(new TrackerError('tooLarge', `response from ${u.host} is over ${max} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: String(res.headers['content-type'] ?? '') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new TrackerError('timeout', `tracker ${u.host} did not answer within ${(opts.timeoutMs ?? 10_000) / 1000}s`)));
    req.on('error', (e) => reject(e instanceof TrackerError ? e : new TrackerError('unreachable', `tracker ${u.host} unreachable: ${(e as Error).message}`)));
    req.end(opts.body);
  });
}

export function parsePeers(peers: unknown, peers6: unknown): PeerAddress[] {
  const out: PeerAddress[] = [];
  if (Buffer.isBuffer(peers)) {
    if (peers.length % 6 !== 0) throw new TrackerError('malformed', 'compact peers length is not a multiple of 6');
    for (let i = 0; i < peers.length; i += 6) {
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
    if (peers6.length % 18 !== 0) throw new TrackerError('malformed', 'compact peers6 length is not a multiple of 18');
    for (let i = 0; i < peers6.length; i += 18) {
      const groups: string[] = [];
      for (let g = 0; g < 8; g++) groups.push(peers6.readUInt16BE(i + g * 2).toString(16));
      const port = peers6.readUInt16BE(i + 16);
      if (port !== 0) out.push({ ip: groups.join(':'), port });
    }
  }
  return out;
}

export async function announce(url: string, p: AnnounceParams, timeoutMs = 10_000): Promise<AnnounceResult> {
  const u = new URL(announceUrlOf(url));
  const q = [
    `info_hash=${pct(p.infoHash)}`,
    `peer_id=${pct(p.peerId)}`,
    `port=${p.port}`,
    `uploaded=${p.uploaded}`,
    `downloaded=${p.downloaded}`,
    `left=${p.left}`,
    'compact=1',
    `numwant=${p.numwant ?? 50}`,
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
  if (body['failure reason']) throw new TrackerError('refused', `tracker ${u.host} refused: ${body['failure reason'].toString()}`);
  if (res.status !== 200) throw new TrackerError('http', `tracker ${u.host} answered HTTP ${res.status}`, res.status);
  const clampInterval = (v: unknown) => (Number.isInteger(v) ? Math.min(Math.max(v as number, 1), 3600) : undefined);
  return {
    interval: clampInterval(body.interval) ?? 60,
    minInterval: clampInterval(body['min interval']),
    complete: Number.isInteger(body.complete) ? body.complete : undefined,
    incomplete: Number.isInteger(body.incomplete) ? body.incomplete : undefined,
    peers: parsePeers(body.peers, body.peers6),
    staCatalog: Number.isInteger(body['sta catalog']) ? body['sta catalog'] : undefined,
    warning: body['warning message']?.toString(),
  };
}

export async function fetchCatalog(trackerUrl: string, timeoutMs = 10_000): Promise<CatalogFileJson[]> {
  const url = catalogUrlOf(trackerUrl);
  const res = await httpFetch(url, { timeoutMs, maxBytes: 64 * 1024 * 1024 });
  if (res.status !== 200) throw new TrackerError('http', `catalog at ${url} answered HTTP ${res.status}${res.status === 404 ? ' (not an STA tracker?)' : ''}`, res.status);
  try {
    const files = JSON.parse(res.body.toString()).files;
    if (!Array.isArray(files)) throw new Error('no files array');
    return files;
  } catch (e) {
    throw new TrackerError('malformed', `catalog at ${url} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function fetchTorrent(trackerUrl: string, infoHashHex: string, timeoutMs = 10_000): Promise<Buffer> {
  const url = `${catalogUrlOf(trackerUrl)}/${infoHashHex}.torrent`;
  const res = await httpFetch(url, { timeoutMs, maxBytes: 10 * 1024 * 1024 });
  if (res.status !== 200) throw new TrackerError('http', `no .torrent for ${infoHashHex} at ${url} (HTTP ${res.status})`, res.status);
  return res.body;
}

export async function publishTorrent(trackerUrl: string, torrent: Buffer, path: string, timeoutMs = 10_000): Promise<CatalogFileJson> {
  const url = `${catalogUrlOf(trackerUrl)}?path=${encodeURIComponent(path)}`;
  const res = await httpFetch(url, { method: 'POST', body: torrent, timeoutMs, headers: { 'Content-Type': 'application/x-bittorrent' } });
  let json;
  try {
    json = JSON.parse(res.body.toString());
  } catch {
    throw new TrackerError('malformed', `publishing to ${url} failed: HTTP ${res.status}`, res.status);
  }
  if (res.status !== 200 && res.status !== 201) throw new TrackerError('http', `publishing to ${url} failed: ${json.error ?? `HTTP ${res.status}`}`, res.status);
  return json;
}
