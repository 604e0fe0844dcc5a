// STA's catalog as a peer uses it: list the published files, fetch a .torrent, publish one.
import { CatalogErrorJson, CatalogFileJson, CatalogListJson, PUBLISH_PATH_PARAM, TORRENT_CONTENT_TYPE } from '../catalogWire';
import { MAX_TORRENT_BYTES } from '../metainfo';
import { httpFetch } from './httpFetch';
import { TrackerError } from './trackerError';
import { catalogUrlOf, torrentUrlOf } from './urls';

/** the largest catalog listing read: a full catalog (10,000 entries) is a few MiB */
const MAX_CATALOG_BYTES = 64 * 1024 * 1024;

export async function fetchCatalog(trackerUrl: string, timeoutMs?: number): Promise<CatalogFileJson[]> {
  const url = catalogUrlOf(trackerUrl);
  const res = await httpFetch(url, { timeoutMs, maxBytes: MAX_CATALOG_BYTES });
  if (res.status !== 200) {
    const hint = res.status === 404 ? ' (not an STA tracker?)' : '';
    throw new TrackerError('http', `catalog at ${url} answered HTTP ${res.status}${hint}`, res.status);
  }
  try {
    const files = (JSON.parse(res.body.toString()) as Partial<CatalogListJson>).files;
    if (!Array.isArray(files)) throw new Error('no files array');
    return files;
  } catch (e) {
    throw new TrackerError('malformed', `catalog at ${url} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function fetchTorrent(trackerUrl: string, infoHashHex: string, timeoutMs?: number): Promise<Buffer> {
  const url = torrentUrlOf(trackerUrl, infoHashHex);
  const res = await httpFetch(url, { timeoutMs, maxBytes: MAX_TORRENT_BYTES });
  if (res.status !== 200) throw new TrackerError('http', `no .torrent for ${infoHashHex} at ${url} (HTTP ${res.status})`, res.status);
  return res.body;
}

export async function publishTorrent(trackerUrl: string, torrent: Buffer, path: string, timeoutMs?: number): Promise<CatalogFileJson> {
  const url = `${catalogUrlOf(trackerUrl)}?${PUBLISH_PATH_PARAM}=${encodeURIComponent(path)}`;
  const res = await httpFetch(url, { method: 'POST', body: torrent, timeoutMs, headers: { 'Content-Type': TORRENT_CONTENT_TYPE } });
  let json: CatalogFileJson & Partial<CatalogErrorJson>;
  try {
    json = JSON.parse(res.body.toString());
  } catch {
    throw new TrackerError('malformed', `publishing to ${url} failed: HTTP ${res.status}`, res.status);
  }
  if (res.status !== 200 && res.status !== 201) {
    throw new TrackerError('http', `publishing to ${url} failed: ${json.error ?? `HTTP ${res.status}`}`, res.status);
  }
  return json;
}
