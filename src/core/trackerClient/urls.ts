// Tracker URLs as users type them, made into the announce and catalog URLs requests go to.
import { CATALOG_PATH, TORRENT_SUFFIX } from '../catalogWire';
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
  const u = new URL(announceUrlOf(url));
  u.pathname = u.pathname.replace(/\/announce[^/]*$/, '') + CATALOG_PATH;
  u.search = '';
  return u.toString();
}

/** Where the catalog at `trackerUrl` serves the .torrent of `infoHashHex`. */
export function torrentUrlOf(trackerUrl: string, infoHashHex: string): string {
  return `${catalogUrlOf(trackerUrl)}/${infoHashHex}${TORRENT_SUFFIX}`;
}
