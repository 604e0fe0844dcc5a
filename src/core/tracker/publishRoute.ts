// Publishing to STA's catalog: POST /catalog?path=… (one .torrent) and POST /catalog/batch (a
// bencoded list of { path, torrent }). Both apply the same rules to each entry: a valid .torrent
// under the size cap, a safe name and path, and who may move or replace an entry.
import { IncomingMessage, ServerResponse } from 'node:http';
import { decode } from '../bencode';
import { MAX_PUBLISH_BATCH_BYTES, MAX_PUBLISH_BATCH_ENTRIES, PUBLISH_PATH_PARAM, PublishBatchJson, PublishResultJson } from '../catalogWire';
import { Logger } from '../log';
import { Metainfo, parseTorrent } from '../metainfo';
import { Catalog, CatalogEntry, entryJson } from './catalog';
import { unmapped } from './compactAddress';
import { HttpError } from './httpError';
import { catalogPathOf, checkName, printable } from './publishedNames';
import { one, parseQuery } from './query';
import { sendJson } from './replies';
import { LateFailure, readBody } from './requestBody';
import { SwarmTable } from './swarmTable';

export interface PublishRules {
  maxTorrentBytes: number;
}

/** One entry published: the status of its answer and the entry as it is now. */
interface Published {
  status: 200 | 201;
  entry: CatalogEntry;
}

export class PublishRoute {
  constructor(
    private readonly swarms: SwarmTable,
    private readonly catalog: Catalog,
    private readonly rules: PublishRules,
    private readonly log: Logger,
    private readonly fail: LateFailure,
  ) {}

  /** POST /catalog?path=…: the body is one .torrent. */
  one(req: IncomingMessage, res: ServerResponse, query: string): void {
    const params = parseQuery(query);
    const rawPath = one(params, PUBLISH_PATH_PARAM)?.toString('utf8');
    const max = this.rules.maxTorrentBytes;
    readBody(req, res, max, `a .torrent may be at most ${max} bytes`, this.fail, (body) => {
      const { status, entry } = this.publish(body, rawPath, sourceOf(req));
      sendJson(res, status, this.json(entry));
    });
  }

  /** POST /catalog/batch: each entry is published as POST /catalog would; one result per entry, in order. */
  batch(req: IncomingMessage, res: ServerResponse): void {
    const tooBig = `a batch publish may be at most ${MAX_PUBLISH_BATCH_BYTES} bytes: send fewer .torrents at a time`;
    readBody(req, res, MAX_PUBLISH_BATCH_BYTES, tooBig, this.fail, (body) => {
      const items = parseBatch(body);
      const source = sourceOf(req);
      const results: PublishResultJson[] = [];
      let created = 0;
      for (const item of items) {
        try {
          if (item.torrent.length > this.rules.maxTorrentBytes) throw new HttpError(413, `a .torrent may be at most ${this.rules.maxTorrentBytes} bytes`);
          const { status, entry } = this.publish(item.torrent, item.path, source, false);
          if (status === 201) created++;
          results.push({ status, file: this.json(entry) });
        } catch (e) {
          if (!(e instanceof HttpError)) throw e;
          results.push({ status: e.status, error: printable(e.message) });
        }
      }
      const refused = results.length - results.filter((r) => 'file' in r).length;
      this.log.info(`batch publish from ${source}: ${items.length} .torrents, ${created} new, ${refused} refused`);
      sendJson(res, 200, { results } satisfies PublishBatchJson);
    });
  }

  private json(e: CatalogEntry) {
    return entryJson(e, this.swarms.get(e.meta.infoHashHex));
  }

  /** The entry's first publisher, or an address seeding it now. */
  private mayChange(e: CatalogEntry, source: string): boolean {
    return e.publisher === source || this.swarms.get(e.meta.infoHashHex)?.seedsFrom(source) === true;
  }

  /** Publishes one .torrent from `source` at `rawPath`; throws HttpError when a rule refuses it. */
  private publish(body: Buffer, rawPath: string | undefined, source: string, logNew = true): Published {
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
    else if (created && logNew) this.log.info(`published ${printable(meta.name)} (${meta.infoHashHex}) from ${source}`);
    return { status: created ? 201 : 200, entry };
  }
}

const sourceOf = (req: IncomingMessage): string => unmapped(req.socket.remoteAddress ?? '');

/** The entries of a batch body: a bencoded list of `{ path, torrent }` dicts (path optional, as ?path= is). */
function parseBatch(body: Buffer): { path?: string; torrent: Buffer }[] {
  let list: unknown;
  try {
    // a list of dicts of strings: 3 levels; about 3 values per entry
    list = decode(body, { maxDepth: 3, maxTokens: 4 * MAX_PUBLISH_BATCH_ENTRIES + 8 });
  } catch (e) {
    throw new HttpError(400, `a batch publish is a bencoded list of { path, torrent }: ${(e as Error).message}`);
  }
  if (!Array.isArray(list)) throw new HttpError(400, 'a batch publish is a bencoded list of { path, torrent }');
  if (list.length > MAX_PUBLISH_BATCH_ENTRIES) throw new HttpError(413, `at most ${MAX_PUBLISH_BATCH_ENTRIES} .torrents in one batch publish`);
  return list.map((item, i) => {
    const torrent = item?.torrent;
    const path = item?.path;
    if (!Buffer.isBuffer(torrent)) throw new HttpError(400, `entry ${i} of the batch has no torrent`);
    if (path !== undefined && !Buffer.isBuffer(path)) throw new HttpError(400, `entry ${i} of the batch has a path that is not a string`);
    // a copy: a view would keep the whole batch body alive as long as the entry lives
    return { path: path?.toString('utf8'), torrent: Buffer.from(torrent) };
  });
}
