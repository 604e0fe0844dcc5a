// STA's catalog over HTTP: GET /catalog (the list), GET /catalog/<hash> (one entry),
// GET /catalog/<hash>.torrent (its bytes), POST /catalog?path=… (publish a .torrent).
import { IncomingMessage, ServerResponse } from 'node:http';
import { CATALOG_PATH, CatalogListJson, PUBLISH_PATH_PARAM, TORRENT_CONTENT_TYPE, TORRENT_SUFFIX } from '../catalogWire';
import { Logger } from '../log';
import { parseTorrent } from '../metainfo';
import { Catalog, CatalogEntry, cleanCatalogPath, entryJson } from './catalog';
import { HttpError } from './httpError';
import { one, parseQuery } from './query';
import { sendJson } from './replies';
import { SwarmTable } from './swarmTable';

/** the largest .torrent a peer may publish */
export const DEFAULT_MAX_PUBLISH_BYTES = 4 * 1024 * 1024;

const INFO_HASH_HEX = /^[0-9a-fA-F]{40}$/;

export interface CatalogRules {
  maxTorrentBytes: number;
  maxCatalogEntries: number;
}

/** Answers a request that failed after the route returned (while a publish's body was read). */
export type LateFailure = (req: IncomingMessage, res: ServerResponse, e: unknown) => void;

export class CatalogRoute {
  constructor(
    private readonly swarms: SwarmTable,
    private readonly catalog: Catalog,
    private readonly rules: CatalogRules,
    private readonly log: Logger,
    private readonly fail: LateFailure,
  ) {}

  /** Answers `path` (/catalog, or a path under /catalog/); throws HttpError for a request it refuses. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
    if (path === CATALOG_PATH) {
      if (req.method === 'GET') return this.list(res);
      if (req.method === 'POST') return this.publish(req, res, query);
      throw new HttpError(405, `${req.method} is not allowed on ${path.slice(0, 80)}`);
    }
    const rest = path.slice(CATALOG_PATH.length + 1);
    const torrent = rest.endsWith(TORRENT_SUFFIX);
    const hex = torrent ? rest.slice(0, -TORRENT_SUFFIX.length) : rest;
    if (!INFO_HASH_HEX.test(hex)) throw new HttpError(404, `no route ${path.slice(0, 100)}`);
    if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed on ${path.slice(0, 80)}`);
    const e = this.catalog.get(hex.toLowerCase());
    if (!e) throw new HttpError(404, `no published file with info-hash ${hex}`);
    if (!torrent) return sendJson(res, 200, this.json(e));
    res.writeHead(200, {
      'Content-Type': TORRENT_CONTENT_TYPE,
      'Content-Length': e.meta.torrent.length,
      'Content-Disposition': `attachment; filename="${e.meta.infoHashHex}${TORRENT_SUFFIX}"`,
    });
    res.end(e.meta.torrent);
  }

  private json(e: CatalogEntry) {
    return entryJson(e, this.swarms.get(e.meta.infoHashHex));
  }

  private list(res: ServerResponse): void {
    const body: CatalogListJson = { files: [...this.catalog.values()].map((e) => this.json(e)).sort((a, b) => a.name.localeCompare(b.name)) };
    sendJson(res, 200, body);
  }

  private publish(req: IncomingMessage, res: ServerResponse, query: string): void {
    const params = parseQuery(query);
    const declared = Number(req.headers['content-length'] ?? NaN);
    const max = this.rules.maxTorrentBytes;
    const tooBig = () => new HttpError(413, `a .torrent may be at most ${max} bytes`);
    // An oversized body is read and dropped up to `linger` bytes before the 413 goes out:
    // closing a socket with unread bytes sends a TCP reset, which can destroy the answer
    // before the client reads it. Beyond `linger` the connection is cut.
    const linger = 4 * max;
    if (declared > linger) throw tooBig();
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > linger) {
        failed = true;
        this.fail(req, res, tooBig());
        req.destroy();
        return;
      }
      if (size > max) chunks.length = 0;
      else chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (failed) return;
      if (size > max) return this.fail(req, res, tooBig());
      try {
        let meta;
        try {
          meta = parseTorrent(Buffer.concat(chunks));
        } catch (e) {
          throw new HttpError(400, `not a valid .torrent: ${(e as Error).message}`);
        }
        const path = cleanCatalogPath(one(params, PUBLISH_PATH_PARAM)?.toString('utf8'), meta.name);
        const { entry, created } = this.catalog.publish(meta, path);
        if (!entry) throw new HttpError(507, `the catalog is full (${this.rules.maxCatalogEntries} files)`);
        if (created) this.log.info(`published ${meta.name} (${meta.infoHashHex})`);
        sendJson(res, created ? 201 : 200, this.json(entry));
      } catch (e) {
        this.fail(req, res, e);
      }
    });
  }
}
