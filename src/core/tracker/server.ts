// The HTTP tracker: BEP 3 announce (BEP 23 compact, BEP 7 peers6), BEP 48 scrape, and STA's
// JSON catalog of published files. This module routes: lifecycle, listening, and which route
// answers a request; the routes are announceRoute, scrapeRoute and catalogRoute.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { encode } from '../bencode';
import { CATALOG_PATH, CatalogErrorJson } from '../catalogWire';
import { Logger, RateLimitedLog, silentLogger } from '../log';
import { MAX_TORRENT_BYTES } from '../metainfo';
import { AnnounceRoute, DEFAULT_INTERVAL, DEFAULT_MAX_PEERS, DEFAULT_NUMWANT } from './announceRoute';
import { Catalog, MAX_CATALOG_ENTRIES } from './catalog';
import { CatalogRoute, DEFAULT_MAX_PUBLISH_BYTES } from './catalogRoute';
import { HttpError } from './httpError';
import { FrontAnswer, HttpFront } from './httpFront';
import { QueryError } from './query';
import { sendBytes, sendJson } from './replies';
import { DEFAULT_MAX_SCRAPE, scrapeAnswer } from './scrapeRoute';
import { SwarmTable } from './swarmTable';

export interface TrackerOptions {
  host?: string;
  port?: number;
  /** seconds between announces that the tracker asks for */
  interval?: number;
  minInterval?: number;
  /** honour the `ip` announce parameter (lets anyone point a swarm anywhere: off by default) */
  trustIpParam?: boolean;
  /** most peers in one response (`numwant` is capped to it) */
  maxPeers?: number;
  defaultNumwant?: number;
  /** most info_hash values in one scrape */
  maxScrape?: number;
  maxTorrentBytes?: number;
  maxCatalogEntries?: number;
  logger?: Logger;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 7070;
/** longest request line node:http lets through that a route still answers */
const MAX_URL = 8192;
/** longest request head, on the front and in node:http (431 beyond) */
const MAX_HEAD_BYTES = 16 * 1024;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 15_000;

function settingsOf(o: TrackerOptions): Required<Omit<TrackerOptions, 'logger'>> {
  const interval = o.interval ?? DEFAULT_INTERVAL;
  const maxPeers = o.maxPeers ?? DEFAULT_MAX_PEERS;
  return {
    host: o.host ?? DEFAULT_HOST,
    port: o.port ?? DEFAULT_PORT,
    interval,
    minInterval: Math.min(o.minInterval ?? Math.max(1, Math.floor(interval / 2)), interval),
    trustIpParam: o.trustIpParam ?? false,
    maxPeers,
    defaultNumwant: Math.min(o.defaultNumwant ?? DEFAULT_NUMWANT, maxPeers),
    maxScrape: o.maxScrape ?? DEFAULT_MAX_SCRAPE,
    maxTorrentBytes: Math.min(o.maxTorrentBytes ?? DEFAULT_MAX_PUBLISH_BYTES, MAX_TORRENT_BYTES),
    maxCatalogEntries: o.maxCatalogEntries ?? MAX_CATALOG_ENTRIES,
  };
}

export class TrackerServer {
  readonly swarms = new SwarmTable();
  readonly catalog: Catalog;
  readonly opts: Required<Omit<TrackerOptions, 'logger'>>;
  private readonly server: Server;
  private readonly front: HttpFront;
  private readonly announceRoute: AnnounceRoute;
  private readonly catalogRoute: CatalogRoute;
  private sweepTimer?: NodeJS.Timeout;
  private readonly log: Logger;
  private readonly badLog: RateLimitedLog;

  constructor(options: TrackerOptions = {}) {
    this.log = options.logger ?? silentLogger;
    this.badLog = new RateLimitedLog((m) => this.log.warn(m));
    this.opts = settingsOf(options);
    this.catalog = new Catalog(this.opts.maxCatalogEntries);
    this.announceRoute = new AnnounceRoute(this.swarms, this.catalog, this.opts);
    this.catalogRoute = new CatalogRoute(this.swarms, this.catalog, this.opts, this.log, (req, res, e) => this.fail(req, res, CATALOG_PATH, e));
    this.server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, (req, res) => this.handle(req, res));
    this.server.headersTimeout = HEADERS_TIMEOUT_MS;
    this.server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    // takes the connections first: answers plain GET /announce and /scrape, hands the rest to this.server
    this.front = new HttpFront(this.server, (route, url, query, remote) => this.hotRoute(route, url, query, remote), {
      maxHeadBytes: MAX_HEAD_BYTES,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      this.badLog.line(`bad HTTP from ${(socket as Socket).remoteAddress}: ${err.message}`);
      if (!socket.writable) return void socket.destroy();
      // unparseable HTTP still gets a reason a BitTorrent client can show (431: head too long)
      const big = err.code === 'HPE_HEADER_OVERFLOW';
      const reason = big ? `request head longer than ${MAX_HEAD_BYTES / 1024} KiB` : `malformed HTTP request (${err.code ?? 'parse error'})`;
      const body = encode({ 'failure reason': reason });
      const status = big ? '431 Request Header Fields Too Large' : '400 Bad Request';
      const head = `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`;
      socket.end(Buffer.concat([Buffer.from(head), body]));
    });
  }

  async listen(): Promise<AddressInfo> {
    await this.front.listen(this.opts.port, this.opts.host);
    // peers that miss about two announces are gone
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(250, this.opts.interval * 500));
    this.sweepTimer.unref();
    this.log.info(`tracker listening on ${this.announceUrl} (interval ${this.opts.interval}s)`);
    return this.address();
  }

  address(): AddressInfo {
    return this.front.address();
  }

  get baseUrl(): string {
    const a = this.address();
    const host = a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  get announceUrl(): string {
    return `${this.baseUrl}/announce`;
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const closed = this.front.close();
    this.server.close();
    this.server.closeAllConnections();
    await closed;
    this.log.info('tracker stopped');
  }

  /** Expires silent peers; a catalog entry lives while its swarm has a seeder. */
  sweep(now = Date.now()): void {
    const deadline = now - this.opts.interval * 2000 - 1000;
    this.swarms.expire(deadline);
    for (const e of this.catalog.values()) {
      const s = this.swarms.get(e.meta.infoHashHex);
      if ((!s || s.seeders === 0) && e.publishedAt < deadline) this.catalog.remove(e.meta.infoHashHex);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    try {
      if (url.length > MAX_URL) throw new HttpError(414, `request line longer than ${MAX_URL} bytes`);
      if (path === '/announce') {
        if (req.method !== 'GET') throw new HttpError(405, 'announce takes GET');
        return sendBytes(res, 200, this.announceRoute.answer(req.socket.remoteAddress, query));
      }
      if (path === '/scrape') {
        if (req.method !== 'GET') throw new HttpError(405, 'scrape takes GET');
        return sendBytes(res, 200, scrapeAnswer(this.swarms, query, this.opts.maxScrape));
      }
      if (path === CATALOG_PATH || path.startsWith(`${CATALOG_PATH}/`)) return this.catalogRoute.handle(req, res, path, query);
      if (path === '/' && req.method === 'GET') {
        return sendJson(res, 200, {
          name: 'STA tracker',
          announce: '/announce',
          scrape: '/scrape',
          catalog: CATALOG_PATH,
          torrents: this.swarms.size,
          published: this.catalog.size,
        });
      }
      throw new HttpError(404, `no route ${path.slice(0, 100)}`);
    } catch (e) {
      this.fail(req, res, path, e);
    }
  }

  /** GET /announce and /scrape from the front: the same answers as through handle(). */
  private hotRoute(route: 'announce' | 'scrape', url: string, query: string, remote: string | undefined): FrontAnswer {
    try {
      if (url.length > MAX_URL) throw new HttpError(414, `request line longer than ${MAX_URL} bytes`);
      const body = route === 'announce' ? this.announceRoute.answer(remote, query) : scrapeAnswer(this.swarms, query, this.opts.maxScrape);
      return { status: 200, body };
    } catch (e) {
      const { status, message } = this.failure('GET', `/${route}`, remote, e);
      return { status, body: encode({ 'failure reason': message }) };
    }
  }

  /** Logs a failed request; its status and message. */
  private failure(method: string | undefined, path: string, remote: string | undefined, e: unknown): { status: number; message: string } {
    const status = e instanceof HttpError ? e.status : e instanceof QueryError ? 400 : 500;
    const message = (e as Error).message ?? String(e);
    this.badLog.line(`${status} ${method} ${path.slice(0, 80)} from ${remote}: ${message}`);
    if (status === 500) this.log.error(`internal error on ${path.slice(0, 80)}: ${(e as Error).stack ?? message}`);
    return { status, message };
  }

  private fail(req: IncomingMessage, res: ServerResponse, path: string, e: unknown): void {
    const { status, message } = this.failure(req.method, path, req.socket.remoteAddress, e);
    if (res.headersSent) return void res.destroy();
    // drop an unread body instead of reading it: the answer does not depend on it
    if (!req.complete) res.setHeader('Connection', 'close');
    if (path.startsWith(CATALOG_PATH)) sendJson(res, status, { error: message } satisfies CatalogErrorJson);
    else sendBytes(res, status, encode({ 'failure reason': message }));
  }
}
