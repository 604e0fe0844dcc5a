// STA's catalog as the tracker serves it and peers read it: routes beside /announce, JSON bodies,
// the flag in announce answers, and the batched routes that make thousands of files cheap
// (seeds announced and .torrents published many at a time). The one module the tracker and its
// clients both import.

/**
 * GET lists the published files (CatalogListJson), with a strong ETag: `If-None-Match` with it answers
 * 304 and no body while the list is unchanged. POST with a .torrent body publishes one.
 */
export const CATALOG_PATH = '/catalog';
/** `${CATALOG_PATH}/<info-hash hex>` is one entry's JSON; with this suffix, its .torrent bytes */
export const TORRENT_SUFFIX = '.torrent';
/** the query parameter of a publish: the file's workspace-relative path, for display */
export const PUBLISH_PATH_PARAM = 'path';
export const TORRENT_CONTENT_TYPE = 'application/x-bittorrent';
/** key of announce answers: 1 when the catalog lists the torrent, 0 when a seeder should republish it */
export const STA_CATALOG_KEY = 'sta catalog';

export interface CatalogFileJson {
  name: string;
  path: string;
  length: number;
  pieceLength: number;
  pieceCount: number;
  infoHash: string;
  magnet: string;
  seeders: number;
  leechers: number;
  completed: number;
  publishedAt: string;
}

export interface CatalogListJson {
  files: CatalogFileJson[];
}

/** the body of every failed catalog request */
export interface CatalogErrorJson {
  error: string;
}

/**
 * POST: one peer announces many complete torrents (left=0) at once. Query: `peer_id`, `port`,
 * `event` (started, completed, stopped or none), `key`, and `ip` where /announce takes it; body:
 * the 20-byte info-hashes, concatenated. The bencoded answer has `interval`, `min interval` and
 * the three lists below; no peers (a seeder that wants its leechers' addresses asks /announce). Other trackers answer 404 or a non-bencoded 400.
 */
export const SEEDS_ANNOUNCE_PATH = '/announce-seeds';
/** most info-hashes in one seeds announce: twice the 10,000 files one repository shares */
export const MAX_SEEDS_PER_ANNOUNCE = 20_000;
/** answer key: info-hashes (concatenated) the catalog does not list; their seeders should republish them */
export const SEEDS_UNKNOWN_KEY = 'unknown';
/** answer key: info-hashes not taken this time (announce rate or a full table): send them again later */
export const SEEDS_LATER_KEY = 'later';
/**
 * answer key: info-hashes (concatenated) whose swarm has leechers. A seeder may announce those on
 * their own (GET /announce) for the leechers' addresses and dial them: some clients never dial
 * the peers a tracker names (Transmission on loopback), and wait for seeders to call.
 */
export const SEEDS_WANTED_KEY = 'wanted';

/** POST: many .torrents at once, a bencoded list of `{ path, torrent }` dicts; answers PublishBatchJson */
export const PUBLISH_BATCH_PATH = `${CATALOG_PATH}/batch`;
/** most .torrents in one batch publish */
export const MAX_PUBLISH_BATCH_ENTRIES = 1000;
/** most bytes of one batch publish's body */
export const MAX_PUBLISH_BATCH_BYTES = 4 * 1024 * 1024;

/** One entry's outcome in a batch publish: the status a single publish would have had, and its entry or error. */
export type PublishResultJson = { status: number; file: CatalogFileJson } | { status: number; error: string };

/** The answer to a batch publish: one result per entry, in order. */
export interface PublishBatchJson {
  results: PublishResultJson[];
}
