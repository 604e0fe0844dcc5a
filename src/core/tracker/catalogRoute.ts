// STA's catalog over HTTP: GET /catalog (the list), GET /catalog/<hash> (one entry),
// GET /catalog/<hash>.torrent (its bytes), POST /catalog?path=… (publish a .torrent).
import { IncomingMessage, ServerResponse } from 'node:http';
import { CATALOG_PATH, CatalogListJson, PUBLISH_PATH_PARAM, TORRENT_CONTENT_TYPE, TORRENT_SUFFIX } from '../catalogWire';
import { Logger } from '../log';
import { Metainfo, parseTorrent } from '../metainfo';
import { AnswerCache } from './answerCache';
import { Catalog, CatalogEntry, entryJson } from './catalog';
import { unmapped } from './compactAddress';
import { HttpError } from './httpError';
import { PUBLISH_LINGER_BYTES } from './limits';
import { catalogPathOf, checkName, printable } from './publishedNames';
import { one, parseQuery } from './query';
import { sendJson } from './replies';
import { SwarmTable } from './swarmTable';

export { DEFAULT_MAX_PUBLISH_BYTES } from './limits';

const INFO_HASH_HEX = /^[0-9a-fA-F]{40}$/;

export interface CatalogRules {
  maxTorrentBytes: number;
}

/** Answers a request that failed after the route returned (while a publish's body was read). */
export type LateFailure = (req: IncomingMessage, res: ServerResponse, e: unknown) => void;

export class CatalogRoute {
  /** the list, built at most once a second */
  readonly list: AnswerCache;

  constructor(
    private readonly swarms: SwarmTable,
    private readonly catalog: Catalog,
    private readonly rules: CatalogRules,
    private readonly log: Logger,
    private readonly fail: LateFailure,
  ) {
    this.list = new AnswerCache(() => this.buildList(), () => catalog.version);
  }

  /** Answers `path` (/catalog, or a path under /catalog/); throws HttpError for a request it refuses. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
    if (path === CATALOG_PATH) {
      if (req.method === 'GET') return this.list.whenFresh((body) => sendJson(res, 200, body));
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

  /** The entry's first publisher, or an address seeding it now. */
  private mayChange(e: CatalogEntry, source: string): boolean {
    return e.publisher === source || this.swarms.get(e.meta.infoHashHex)?.seedsFrom(source) === true;
  }

  private buildList(): Buffer {
    const body: CatalogListJson = { files: [...this.catalog.values()].map((e) => this.json(e)).sort((a, b) => a.name.localeCompare(b.name)) };
    return Buffer.from(JSON.stringify(body));
  }

  private publish(req: IncomingMessage, res: ServerResponse, query: string): void {
    const params = parseQuery(query);
    const declared = Number(req.headers['content-length'] ?? NaN);
    const max = this.rules.maxTorrentBytes;
    const tooBig = () => new HttpError(413, `a .torrent may be at most ${max} bytes`);
    // An oversized body is read and dropped up to PUBLISH_LINGER_BYTES before the 413 goes out:
    // closing a socket with unread bytes sends a TCP reset, which can destroy the answer
    // before the client reads it. Beyond that the connection is cut.
    if (declared > PUBLISH_LINGER_BYTES) throw tooBig();
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > PUBLISH_LINGER_BYTES) {
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
        const source = unmapped(req.socket.remoteAddress ?? '');
        this.accept(res, Buffer.concat(chunks), one(params, PUBLISH_PATH_PARAM)?.toString('utf8'), source);
      } catch (e) {
        this.fail(req, res, e);
      }
    });
  }

  private accept(res: ServerResponse, body: Buffer, rawPath: string | undefined, source: string): void {
    let meta: Metainfo;
    try {
      meta = parseTorrent(body);
    } catch (e) {
      throw new HttpError(400, `not a valid .torrent: ${(e as Error).message}`);
    }
    checkName(meta.name);
    const path = catalogPathOf(rawPath, meta.name);
    const old = this.catalog.get(meta.infoHashHex);
    // moving an entry relabels it for everyone: only its first publisher or a current seeder may
    if (old && old.path !== path && !this.mayChange(old, source)) {
      throw new HttpError(403, 'only the address that first published this file, or one seeding it now, may change its path');
    }
    // one entry per path, the latest version: whoever may change the entry there may replace it
    const occupant = this.catalog.atPath(path);
    if (occupant && occupant !== old) {
      if (!this.mayChange(occupant, source)) {
        throw new HttpError(409, 'another file is published at this path: only the address that first published it, or one seeding it now, may replace it');
      }
      // a seeder of the old version republishing it must not push the new one out
      if ((meta.creationDate ?? Infinity) < (occupant.meta.creationDate ?? -Infinity)) {
        throw new HttpError(409, `a newer version of ${printable(path)} is published (${occupant.meta.infoHashHex})`);
      }
    }
    const { entry, created, full, replaced } = this.catalog.publish(meta, path, source);
    if (!entry) throw new HttpError(507, full!);
    if (replaced) this.log.info(`${printable(path)}: ${meta.infoHashHex} replaces ${replaced.meta.infoHashHex} (from ${source})`);
    else if (created) this.log.info(`published ${printable(meta.name)} (${meta.infoHashHex}) from ${source}`);
    sendJson(res, created ? 201 : 200, this.json(entry));
  }
}
