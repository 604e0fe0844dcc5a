// STA's catalog over HTTP: GET /catalog (the list, with an ETag), GET /catalog/<hash> (one entry),
// GET /catalog/<hash>.torrent (its bytes); publishing (POST) is publishRoute's.
import { createHash } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { CATALOG_PATH, CatalogListJson, PUBLISH_BATCH_PATH, TORRENT_CONTENT_TYPE, TORRENT_SUFFIX } from '../catalogWire';
import { Logger } from '../log';
import { AnswerCache } from './answerCache';
import { Catalog, CatalogEntry, entryJson } from './catalog';
import { HttpError } from './httpError';
import { PublishRoute, PublishRules } from './publishRoute';
import { sendJson } from './replies';
import { LateFailure } from './requestBody';
import { SwarmTable } from './swarmTable';

export { DEFAULT_MAX_PUBLISH_BYTES } from './limits';
export type { LateFailure } from './requestBody';

const INFO_HASH_HEX = /^[0-9a-fA-F]{40}$/;

export type CatalogRules = PublishRules;

export class CatalogRoute {
  /** the list, built at most once a second */
  readonly list: AnswerCache;
  private readonly publishing: PublishRoute;
  // the list last sent and its ETag: a hash of its bytes, so equal bodies have equal tags
  private taggedBody?: Buffer;
  private tag = '';

  constructor(
    private readonly swarms: SwarmTable,
    private readonly catalog: Catalog,
    rules: CatalogRules,
    log: Logger,
    fail: LateFailure,
  ) {
    this.list = new AnswerCache(() => this.buildList(), () => catalog.version);
    this.publishing = new PublishRoute(swarms, catalog, rules, log, fail);
  }

  /** Answers `path` (/catalog, or a path under /catalog/); throws HttpError for a request it refuses. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
    if (path === CATALOG_PATH) {
      if (req.method === 'GET') return this.list.whenFresh((body) => this.sendList(req, res, body));
      if (req.method === 'POST') return this.publishing.one(req, res, query);
      throw new HttpError(405, `${req.method} is not allowed on ${path.slice(0, 80)}`);
    }
    if (path === PUBLISH_BATCH_PATH) {
      if (req.method === 'POST') return this.publishing.batch(req, res);
      throw new HttpError(405, `${req.method} is not allowed on ${path.slice(0, 80)}: a batch publish is a POST`);
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

  /** The list, or 304 and no body when the client holds it already (`If-None-Match` with its ETag). */
  private sendList(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (body !== this.taggedBody) {
      this.taggedBody = body;
      this.tag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    }
    // no-cache: a cache may keep the list but must ask (with the ETag) before reusing it
    const headers = { ETag: this.tag, 'Cache-Control': 'no-cache' };
    if (matches(req.headers['if-none-match'], this.tag)) {
      res.writeHead(304, headers);
      return void res.end();
    }
    sendJson(res, 200, body, headers);
  }

  private json(e: CatalogEntry) {
    return entryJson(e, this.swarms.get(e.meta.infoHashHex));
  }

  private buildList(): Buffer {
    const body: CatalogListJson = { files: [...this.catalog.values()].map((e) => this.json(e)).sort((a, b) => a.name.localeCompare(b.name)) };
    return Buffer.from(JSON.stringify(body));
  }
}

/** Whether an `If-None-Match` header names `tag` (RFC 9110: weak comparison, `*` matches any). */
function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === tag || v === `W/${tag}`;
  });
}
