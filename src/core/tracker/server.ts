// The HTTP tracker: BEP 3 announce (BEP 23 compact, BEP 7 peers6), BEP 48 scrape, and STA's
// JSON catalog of published files, with its batched routes (many seeds in one announce, many
// .torrents in one publish). This module routes: lifecycle, listening, the team key, and which
// route answers a request; the routes are announceRoute, seedsRoute, scrapeRoute and catalogRoute.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { encode } from '../bencode';
import { CATALOG_PATH, CatalogErrorJson, PUBLISH_BATCH_PATH, SEEDS_ANNOUNCE_PATH } from '../catalogWire';
import { Logger, RateLimitedLog, silentLogger } from '../log';
import { TEAM_KEY_PATTERN } from '../trackerClient/urls';
import { AnnounceRoute } from './announceRoute';
import { AnswerCache } from './answerCache';
import { Catalog } from './catalog';
import { CatalogRoute } from './catalogRoute';
import { HttpError } from './httpError';
import { FrontAnswer, HttpFront } from './httpFront';
import { IDLE_SOCKET_MS, MAX_PIPELINED } from './limits';
import { printable } from './publishedNames';
import { QueryError } from './query';
import { sendBytes, sendJson, whenClientReads } from './replies';
import { KEY_REFUSAL, RouteKey } from './routeKey';
import { fullScrape, scrapeAnswer } from './scrapeRoute';
import { SeedsRoute } from './seedsRoute';
import { SwarmTable } from './swarmTable';
import { settingsOf, TrackerOptions, TrackerSettings } from './trackerOptions';

export type { TrackerOptions } from './trackerOptions';

/** longest request line node:http lets through that a route still answers */
const MAX_URL = 8192;
/** longest request head, on the front and in node:http (431 beyond) */
const MAX_HEAD_BYTES = 16 * 1024;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 15_000;

/** Requests received per route since the tracker started: what a peer's announcing costs it. */
export interface RequestCounts {
  announce: number;
  seeds: number;
  scrape: number;
  catalogList: number;
  publish: number;
  publishBatch: number;
  other: number;
}

export class TrackerServer {
  readonly swarms: SwarmTable;
  readonly requests: RequestCounts = { announce: 0, seeds: 0, scrape: 0, catalogList: 0, publish: 0, publishBatch: 0, other: 0 };
  readonly catalog: Catalog;
  readonly opts: TrackerSettings;
  private readonly routeKey: RouteKey;
  private readonly server: Server;
  private readonly front: HttpFront;
  private readonly announceRoute: AnnounceRoute;
  private readonly catalogRoute: CatalogRoute;
  private readonly seedsRoute: SeedsRoute;
  private readonly fullScrape: AnswerCache;
  private sweepTimer?: NodeJS.Timeout;
  private readonly log: Logger;
  private readonly badLog: RateLimitedLog;

  constructor(options: TrackerOptions = {}) {
    this.log = options.logger ?? silentLogger;
    this.badLog = new RateLimitedLog((m) => this.log.warn(m));
    this.opts = settingsOf(options);
    const o = this.opts;
    if (o.key !== undefined && !TEAM_KEY_PATTERN.test(o.key)) throw new Error('a team key is 16 to 128 letters, digits, - or _');
    this.routeKey = new RouteKey(o.key);
    this.swarms = new SwarmTable({ maxSwarms: o.maxSwarms, maxPeersPerSwarm: o.maxPeersPerSwarm, maxTrackedPeers: o.maxTrackedPeers });
    this.catalog = new Catalog({ maxEntries: o.maxCatalogEntries, maxBytes: o.maxCatalogBytes, maxEntriesPerAddress: o.maxEntriesPerAddress });
    this.fullScrape = new AnswerCache(() => fullScrape(this.swarms));
    this.announceRoute = new AnnounceRoute(this.swarms, this.catalog, o);
    this.seedsRoute = new SeedsRoute(this.swarms, this.catalog, o, this.announceRoute.rate, (req, res, e) => this.fail(req, res, SEEDS_ANNOUNCE_PATH, e));
    this.catalogRoute = new CatalogRoute(this.swarms, this.catalog, o, this.log, (req, res, e) => this.fail(req, res, CATALOG_PATH, e));
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (pipelinedTooDeep(req.socket, res)) return void req.socket.destroy();
      whenClientReads(res, () => {
        // only now, in its turn: node:http would write `100 Continue` into an earlier pipelined answer
        if (/^100-continue$/i.test(req.headers.expect ?? '') && req.method === 'POST') res.writeContinue();
        this.handle(req, res);
      });
    };
    this.server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, onRequest);
    this.server.on('checkContinue', onRequest);
    this.server.headersTimeout = HEADERS_TIMEOUT_MS;
    this.server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.maxRequestsPerSocket = o.maxRequestsPerSocket;
    // a client that stops reading its answers holds them in memory: it is closed after this long
    this.server.timeout = IDLE_SOCKET_MS;
    // takes the connections first: answers plain GET /announce and /scrape, hands the rest to this.server
    this.front = new HttpFront(this.server, (route, url, query, remote) => this.hotRoute(route, url, query, remote), {
      maxHeadBytes: MAX_HEAD_BYTES,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: o.maxConnections,
      maxRequestsPerSocket: o.maxRequestsPerSocket,
      key: this.routeKey,
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      this.badLog.line(`bad HTTP from ${(socket as Socket).remoteAddress}: ${printable(err.message)}`);
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
    const keyed = this.opts.key ? ' (team key required)' : '';
    this.log.info(`tracker listening on ${this.baseUrl}${keyed} (interval ${this.opts.interval}s)`);
    return this.address();
  }

  address(): AddressInfo {
    return this.front.address();
  }

  /** http://HOST:PORT, without the team key */
  get baseUrl(): string {
    const a = this.address();
    const host = a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** The announce URL, with the team key if there is one: what a peer (or an invite) uses. */
  get announceUrl(): string {
    return `${this.baseUrl}${this.routeKey.prefix}/announce`;
  }

  get catalogUrl(): string {
    return `${this.baseUrl}${this.routeKey.prefix}${CATALOG_PATH}`;
  }

  get scrapeUrl(): string {
    return `${this.baseUrl}${this.routeKey.prefix}/scrape`;
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.catalogRoute.list.close();
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
    const fullPath = q < 0 ? url : url.slice(0, q);
    const at = this.routeKey.start(fullPath);
    if (at < 0) return this.refuseKey(req, res, fullPath);
    const path = at === 0 ? fullPath : fullPath.slice(at);
    const query = q < 0 ? '' : url.slice(q + 1);
    this.count(req.method, path);
    try {
      if (url.length > MAX_URL) throw new HttpError(414, `request line longer than ${MAX_URL} bytes`);
      if (path === '/announce') {
        if (req.method !== 'GET') throw new HttpError(405, 'announce takes GET');
        return sendBytes(res, 200, this.announceRoute.answer(req.socket.remoteAddress, query));
      }
      if (path === SEEDS_ANNOUNCE_PATH) return this.seedsRoute.handle(req, res, query);
      if (path === '/scrape') {
        if (req.method !== 'GET') throw new HttpError(405, 'scrape takes GET');
        return sendBytes(res, 200, scrapeAnswer(this.swarms, query, this.opts.maxScrape, this.fullScrape));
      }
      if (path === CATALOG_PATH || path.startsWith(`${CATALOG_PATH}/`)) return this.catalogRoute.handle(req, res, path, query);
      if (path === '/' && req.method === 'GET') {
        const p = this.routeKey.prefix;
        return sendJson(res, 200, {
          name: 'STA tracker',
          announce: `${p}/announce`,
          scrape: `${p}/scrape`,
          seeds: `${p}${SEEDS_ANNOUNCE_PATH}`,
          catalog: `${p}${CATALOG_PATH}`,
          torrents: this.swarms.size,
          published: this.catalog.size,
        });
      }
      throw new HttpError(404, `no route ${path.slice(0, 100)}`);
    } catch (e) {
      this.fail(req, res, path, e);
    }
  }

  /** A missing or wrong team key: one answer per kind of route, the same whatever the key was. */
  private refuseKey(req: IncomingMessage, res: ServerResponse, path: string): void {
    this.badLog.line(`403 ${req.method} without the team key from ${req.socket.remoteAddress}`);
    if (!req.complete) res.setHeader('Connection', 'close');
    if (/\/(announce|announce-seeds|scrape)$/.test(path)) sendBytes(res, 403, encode({ 'failure reason': KEY_REFUSAL }));
    else sendJson(res, 403, { error: KEY_REFUSAL } satisfies CatalogErrorJson);
  }

  /** GET /announce and /scrape from the front: the same answers as through handle(). */
  private hotRoute(route: 'announce' | 'scrape', url: string, query: string, remote: string | undefined): FrontAnswer {
    this.requests[route]++;
    try {
      if (url.length > MAX_URL) throw new HttpError(414, `request line longer than ${MAX_URL} bytes`);
      const body = route === 'announce' ? this.announceRoute.answer(remote, query) : scrapeAnswer(this.swarms, query, this.opts.maxScrape, this.fullScrape);
      return { status: 200, body };
    } catch (e) {
      const { status, message } = this.failure('GET', `/${route}`, remote, e);
      return { status, body: encode({ 'failure reason': message }) };
    }
  }

  private count(method: string | undefined, path: string): void {
    const r = this.requests;
    if (path === '/announce') r.announce++;
    else if (path === SEEDS_ANNOUNCE_PATH) r.seeds++;
    else if (path === '/scrape') r.scrape++;
    else if (path === CATALOG_PATH && method === 'GET') r.catalogList++;
    else if (path === CATALOG_PATH && method === 'POST') r.publish++;
    else if (path === PUBLISH_BATCH_PATH) r.publishBatch++;
    else r.other++;
  }

  /** Logs a failed request; its status and message (no control characters in either). */
  private failure(method: string | undefined, path: string, remote: string | undefined, e: unknown): { status: number; message: string } {
    const status = e instanceof HttpError ? e.status : e instanceof QueryError ? 400 : 500;
    const message = printable((e as Error).message ?? String(e));
    this.badLog.line(`${status} ${method} ${printable(path.slice(0, 80))} from ${remote}: ${message}`);
    if (status === 500) this.log.error(`internal error on ${printable(path.slice(0, 80))}: ${printable((e as Error).stack ?? message)}`);
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

// requests on a connection that node:http has parsed and not yet seen answered
const waiting = new WeakMap<Socket, number>();

/** Counts the request of `res`; true when its connection has more than MAX_PIPELINED waiting. */
function pipelinedTooDeep(socket: Socket, res: ServerResponse): boolean {
  const n = (waiting.get(socket) ?? 0) + 1;
  waiting.set(socket, n);
  res.once('close', () => waiting.set(socket, (waiting.get(socket) ?? 1) - 1));
  return n > MAX_PIPELINED;
}
