// STA's catalog as the tracker serves it and peers read it: routes beside /announce, JSON bodies,
// and the flag in announce answers. The one module the tracker and its clients both import.

/** GET lists the published files (CatalogListJson); POST with a .torrent body publishes one. */
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
