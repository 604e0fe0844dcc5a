// Tracker URLs as users type them, made into the announce and catalog URLs requests go to.
import { CATALOG_PATH, PUBLISH_BATCH_PATH, SEEDS_ANNOUNCE_PATH, TORRENT_SUFFIX } from '../catalogWire';
import { TrackerError } from './trackerError';

/** A tracker URL as users type it (`http://host:7070` or `…/announce`) made into an announce URL. */
export function announceUrlOf(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TrackerError('badUrl', `tracker URL must be http(s): ${url}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/announce';
  return u.toString();
}

/** The base URL of STA's catalog next to an announce URL (`/announce` → `/catalog`). */
export function catalogUrlOf(url: string): string {
  return besideAnnounce(url, CATALOG_PATH);
}

/** STA's batched seeds announce next to an announce URL (`/announce` → `/announce-seeds`). */
export function seedsUrlOf(url: string): string {
  return besideAnnounce(url, SEEDS_ANNOUNCE_PATH);
}

/** STA's batch publish next to an announce URL (`/announce` → `/catalog/batch`). */
export function publishBatchUrlOf(url: string): string {
  return besideAnnounce(url, PUBLISH_BATCH_PATH);
}

function besideAnnounce(url: string, path: string): string {
  const u = new URL(announceUrlOf(url));
  u.pathname = u.pathname.replace(/\/announce[^/]*$/, '') + path;
  u.search = '';
  return u.toString();
}

/** Where the catalog at `trackerUrl` serves the .torrent of `infoHashHex`. */
export function torrentUrlOf(trackerUrl: string, infoHashHex: string): string {
  return `${catalogUrlOf(trackerUrl)}/${infoHashHex}${TORRENT_SUFFIX}`;
}

/** A team key: what a keyed tracker expects as the first path segment (`/KEY/announce`). */
export const TEAM_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** The team key in a keyed announce URL (`http://host:7070/KEY/announce`), if it has one. */
export function teamKeyOf(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(announceUrlOf(url)).pathname;
  } catch {
    return undefined;
  }
  const m = /^\/([^/]+)\/announce$/.exec(path);
  return m && TEAM_KEY_PATTERN.test(m[1]) ? m[1] : undefined;
}

/** `http://host:7070/announce` + key → `http://host:7070/KEY/announce` (an existing key is replaced). */
export function withTeamKey(url: string, key: string): string {
  if (!TEAM_KEY_PATTERN.test(key)) throw new TrackerError('badUrl', 'a team key is 16 to 128 letters, digits, - or _');
  const u = new URL(withoutTeamKey(url));
  u.pathname = `/${key}${u.pathname}`;
  return u.toString();
}

/** A keyed announce URL without its key: what may be shown or stored where secrets may not. */
export function withoutTeamKey(url: string): string {
  const u = new URL(announceUrlOf(url));
  const key = teamKeyOf(url);
  if (key) u.pathname = u.pathname.slice(key.length + 1);
  return u.toString();
}
