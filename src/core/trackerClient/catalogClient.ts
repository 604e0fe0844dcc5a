// STA's catalog as a peer uses it: list the published files, fetch a .torrent (checked against
// the info-hash asked for), publish one.
import { CatalogErrorJson, CatalogFileJson, CatalogListJson, PUBLISH_PATH_PARAM, TORRENT_CONTENT_TYPE } from '../catalogWire';
import { MAX_TORRENT_BYTES, Metainfo, parseTorrent } from '../metainfo';
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

/**
 * The .torrent of `infoHashHex`, parsed, and only if its info dictionary hashes to that info-hash:
 * a tracker (or anyone between) cannot hand us another file under the name we asked for.
 */
export async function fetchMetainfo(trackerUrl: string, infoHashHex: string): Promise<Metainfo> {
  if (!/^[0-9a-fA-F]{40}$/.test(infoHashHex)) throw new TrackerError('badUrl', `${JSON.stringify(infoHashHex)} is not a 40-digit hex info-hash`);
  const wanted = infoHashHex.toLowerCase();
  const body = await fetchTorrent(trackerUrl, wanted);
  let meta: Metainfo;
  try {
    meta = parseTorrent(body);
  } catch (e) {
    throw new TrackerError('malformed', `the catalog's answer for ${wanted} is not a valid .torrent: ${(e as Error).message}`);
  }
  if (meta.infoHashHex !== wanted) {
    throw new TrackerError('malformed', `the .torrent the catalog sent for ${wanted} hashes to ${meta.infoHashHex}, not ${wanted}: refused`);
  }
  return meta;
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
