// STA's catalog as a peer uses it: list the published files (again only when they changed),
// fetch a .torrent (checked against the info-hash asked for), publish one or many.
import { encode } from '../bencode';
import {
  CatalogErrorJson,
  CatalogFileJson,
  CatalogListJson,
  MAX_PUBLISH_BATCH_BYTES,
  MAX_PUBLISH_BATCH_ENTRIES,
  PUBLISH_PATH_PARAM,
  PublishBatchJson,
  TORRENT_CONTENT_TYPE,
} from '../catalogWire';
import { MAX_TORRENT_BYTES, Metainfo, parseTorrent } from '../metainfo';
import { FetchedResponse, httpFetch } from './httpFetch';
import { TrackerError } from './trackerError';
import { catalogUrlOf, publishBatchUrlOf, torrentUrlOf } from './urls';

/** the largest catalog listing read: a full catalog (10,000 entries) is a few MiB */
const MAX_CATALOG_BYTES = 64 * 1024 * 1024;
/** an ETag longer than this is not kept (STA's are 29 characters) */
const MAX_ETAG_LENGTH = 256;

export async function fetchCatalog(trackerUrl: string, timeoutMs?: number): Promise<CatalogFileJson[]> {
  const url = catalogUrlOf(trackerUrl);
  const res = await httpFetch(url, { timeoutMs, maxBytes: MAX_CATALOG_BYTES });
  return catalogFiles(url, res);
}

/** A catalog as last read, with the ETag that asks the tracker whether it changed since. */
export interface CatalogVersion {
  files: CatalogFileJson[];
  /** undefined when the tracker sent none (an older STA tracker): the next poll reads the list again */
  etag?: string;
}

/**
 * The catalog, or 'unchanged' when it is still the one `etag` names: the tracker then answers
 * 304 with no body, a few hundred bytes instead of the whole list. Poll with the etag of the
 * last answer.
 */
export async function fetchCatalogIfChanged(trackerUrl: string, etag?: string, timeoutMs?: number): Promise<CatalogVersion | 'unchanged'> {
  const url = catalogUrlOf(trackerUrl);
  const headers: Record<string, string> = etag ? { 'If-None-Match': etag } : {};
  const res = await httpFetch(url, { timeoutMs, maxBytes: MAX_CATALOG_BYTES, headers });
  if (res.status === 304 && etag) return 'unchanged';
  const files = catalogFiles(url, res);
  const tag = res.headers.etag;
  return { files, etag: typeof tag === 'string' && tag.length <= MAX_ETAG_LENGTH ? tag : undefined };
}

function catalogFiles(url: string, res: FetchedResponse): CatalogFileJson[] {
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

/** One catalog entry (`GET /catalog/<hash>`): its path, counts and dates; undefined when the catalog does not list it. */
export async function fetchCatalogEntry(trackerUrl: string, infoHashHex: string, timeoutMs?: number): Promise<CatalogFileJson | undefined> {
  const url = `${catalogUrlOf(trackerUrl)}/${infoHashHex.toLowerCase()}`;
  const res = await httpFetch(url, { timeoutMs });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new TrackerError('http', `catalog entry at ${url} answered HTTP ${res.status}`, res.status);
  try {
    const entry = JSON.parse(res.body.toString()) as CatalogFileJson;
    if (typeof entry !== 'object' || entry === null) throw new Error('not an object');
    return entry;
  } catch (e) {
    throw new TrackerError('malformed', `catalog entry at ${url} is not valid JSON: ${(e as Error).message}`);
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

/** One .torrent to publish and its workspace-relative path. */
export interface PublishItem {
  torrent: Buffer;
  path: string;
}

/**
 * What became of one item: listed (as the catalog shows it now), or refused with the status a
 * single publish would have had (409: a newer version or someone else's file holds the path).
 * No status: the request itself failed (tracker down): worth trying again later.
 */
export type PublishOutcome = { ok: true; file: CatalogFileJson } | { ok: false; error: string; status?: number };

// room for an item's bencode framing (`d4:path…7:torrent…e`) besides its bytes
const ITEM_OVERHEAD = 48;

/**
 * Publishes many .torrents with as few requests as the batch caps allow (POST /catalog/batch,
 * MAX_PUBLISH_BATCH_ENTRIES and MAX_PUBLISH_BATCH_BYTES per request), one outcome per item in
 * order. A tracker without the batch route (an older STA tracker) gets them one at a time. Never throws.
 */
export async function publishTorrents(trackerUrl: string, items: PublishItem[], timeoutMs?: number): Promise<PublishOutcome[]> {
  const out: PublishOutcome[] = [];
  let batched = true;
  for (let from = 0; from < items.length; ) {
    let to = from;
    for (let bytes = 2; to < items.length && to - from < MAX_PUBLISH_BATCH_ENTRIES; to++) {
      bytes += items[to].torrent.length + Buffer.byteLength(items[to].path) + ITEM_OVERHEAD;
      if (bytes > MAX_PUBLISH_BATCH_BYTES && to > from) break;
    }
    const chunk = items.slice(from, to);
    const got = batched ? await publishChunk(trackerUrl, chunk, timeoutMs) : undefined;
    if (got) out.push(...got);
    else {
      batched = false;
      for (const item of chunk) out.push(await publishAlone(trackerUrl, item, timeoutMs));
    }
    from = to;
  }
  return out;
}

/** One batch request; undefined when the tracker has no batch route. */
async function publishChunk(trackerUrl: string, chunk: PublishItem[], timeoutMs?: number): Promise<PublishOutcome[] | undefined> {
  const url = publishBatchUrlOf(trackerUrl);
  const failAll = (error: string, status?: number): PublishOutcome[] => chunk.map(() => ({ ok: false, error, status }));
  let res: FetchedResponse;
  try {
    const body = encode(chunk.map((i) => ({ path: i.path, torrent: i.torrent })));
    res = await httpFetch(url, { method: 'POST', body, timeoutMs, headers: { 'Content-Type': 'application/x-bencode' } });
  } catch (e) {
    return failAll(`publishing to ${url} failed: ${(e as Error).message}`);
  }
  if (res.status === 404 || res.status === 405) return undefined;
  let json: Partial<PublishBatchJson & CatalogErrorJson>;
  try {
    json = JSON.parse(res.body.toString());
  } catch {
    return failAll(`publishing to ${url} failed: HTTP ${res.status}`, res.status >= 500 ? undefined : res.status);
  }
  if (res.status !== 200) return failAll(`publishing to ${url} failed: ${json.error ?? `HTTP ${res.status}`}`, res.status);
  const results = json.results;
  if (!Array.isArray(results) || results.length !== chunk.length) return failAll(`publishing to ${url}: the answer does not have one result per .torrent`);
  return results.map((r): PublishOutcome => {
    if (r && 'file' in r && (r.status === 200 || r.status === 201)) return { ok: true, file: r.file };
    const error = r && 'error' in r && typeof r.error === 'string' ? r.error : 'refused';
    return { ok: false, error: `publishing to ${url} failed: ${error}`, status: Number.isInteger(r?.status) ? r.status : 400 };
  });
}

async function publishAlone(trackerUrl: string, item: PublishItem, timeoutMs?: number): Promise<PublishOutcome> {
  try {
    return { ok: true, file: await publishTorrent(trackerUrl, item.torrent, item.path, timeoutMs) };
  } catch (e) {
    const status = e instanceof TrackerError && e.kind === 'http' ? e.status : undefined;
    return { ok: false, error: (e as Error).message, status };
  }
}
