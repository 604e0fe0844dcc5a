// The HTTP tracker: BEP 3 announce (BEP 23 compact, BEP 7 peers6), BEP 48 scrape, and
// STA's JSON catalog of published files.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, isIP } from 'node:net';
import { encode } from '../bencode';
import { Logger, RateLimitedLog, silentLogger } from '../log';
import { MAX_TORRENT_BYTES, parseTorrent } from '../metainfo';
import { Catalog, cleanCatalogPath, entryJson } from './catalog';
import { FrontAnswer, HttpFront } from './httpFront';
import { intParam, one, parseQuery, QueryError } from './query';
import { compactAnnounceBody } from './response';
import { CompactCounts, Swarm, SwarmTable } from './swarms';

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

const MAX_URL = 8192;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class TrackerServer {
  readonly swarms = new SwarmTable();
  readonly catalog: Catalog;
  private readonly server: Server;
  private readonly front: HttpFront;
  private sweepTimer?: NodeJS.Timeout;
  private readonly log: Logger;
  private readonly badLog: RateLimitedLog;
  readonly opts: Required<Omit<TrackerOptions, 'logger'>>;
  stats = { announces: 0, scrapes: 0, errors: 0 };

  constructor(options: TrackerOptions = {}) {
    this.log = options.logger ?? silentLogger;
    this.badLog = new RateLimitedLog((m) => this.log.warn(m));
    const interval = options.interval ?? 60;
    this.opts = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 7070,
      interval,
      minInterval: Math.min(options.minInterval ?? Math.max(1, Math.floor(interval / 2)), interval),
      trustIpParam: options.trustIpParam ?? false,
      maxPeers: options.maxPeers ?? 200,
      defaultNumwant: Math.min(options.defaultNumwant ?? 50, options.maxPeers ?? 200),
      maxScrape: options.maxScrape ?? 64,
      maxTorrentBytes: Math.min(options.maxTorrentBytes ?? 4 * 1024 * 1024, MAX_TORRENT_BYTES),
      maxCatalogEntries: options.maxCatalogEntries ?? 10_000,
    };
    this.catalog = new Catalog(this.opts.maxCatalogEntries);
    this.server = createServer({ maxHeaderSize: 16384 }, (req, res) => this.handle(req, res));
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
    this.server.keepAliveTimeout = 15_000;
    // takes the connections first: answers plain GET /announce and /scrape, hands the rest back
    this.front = new HttpFront(this.server, (route, url, query, remote) => this.hotRoute(route, url, query, remote), {
      maxHeadBytes: 16384,
      keepAliveTimeout: this.server.keepAliveTimeout,
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      this.badLog.line(`bad HTTP from ${(socket as import('node:net').Socket).remoteAddress}: ${err.message}`);
      if (!socket.writable) return void socket.destroy();
      // unparseable HTTP still gets a reason a BitTorrent client can show (431: head too long)
      const big = err.code === 'HPE_HEADER_OVERFLOW';
      const body = encode({ 'failure reason': big ? 'request head longer than 16 KiB' : `malformed HTTP request (${err.code ?? 'parse error'})` });
      const head = `HTTP/1.1 ${big ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`;
      socket.end(Buffer.concat([Buffer.from(head), body]));
    });
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    // peers that miss about two announces are gone
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(250, this.opts.interval * 500));
    this.sweepTimer.unref();
    const addr = this.address();
    this.log.info(`tracker listening on ${this.announceUrl} (interval ${this.opts.interval}s)`);
    return addr;
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
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
    this.front.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
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
        return this.sendRaw(res, 200, this.announce(req.socket.remoteAddress, query));
      }
      if (path === '/scrape') {
        if (req.method !== 'GET') throw new HttpError(405, 'scrape takes GET');
        return this.sendRaw(res, 200, this.scrape(query));
      }
      if (path === '/catalog' || path.startsWith('/catalog/')) return this.catalogRoute(req, res, path, query);
      if (path === '/' && req.method === 'GET') {
        return this.sendJson(res, 200, {
          name: 'STA tracker',
          announce: '/announce',
          scrape: '/scrape',
          catalog: '/catalog',
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
      return { status: 200, body: route === 'announce' ? this.announce(remote, query) : this.scrape(query) };
    } catch (e) {
      const { status, message } = this.failure('GET', `/${route}`, remote, e);
      return { status, body: encode({ 'failure reason': message }) };
    }
  }

  /** Counts and logs a failed request; its status and message. */
  private failure(method: string | undefined, path: string, remote: string | undefined, e: unknown): { status: number; message: string } {
    const status = e instanceof HttpError ? e.status : e instanceof QueryError ? 400 : 500;
    const message = (e as Error).message ?? String(e);
    this.stats.errors++;
    this.badLog.line(`${status} ${method} ${path.slice(0, 80)} from ${remote}: ${message}`);
    if (status === 500) this.log.error(`internal error on ${path.slice(0, 80)}: ${(e as Error).stack ?? message}`);
    return { status, message };
  }

  private fail(req: IncomingMessage, res: ServerResponse, path: string, e: unknown): void {
    const { status, message } = this.failure(req.method, path, req.socket.remoteAddress, e);
    if (res.headersSent) return void res.destroy();
    // drop an unread body instead of reading it: the answer does not depend on it
    if (!req.complete) res.setHeader('Connection', 'close');
    if (path.startsWith('/catalog')) this.sendJson(res, status, { error: message });
    else this.sendBencode(res, status, { 'failure reason': message });
  }

  private sendBencode(res: ServerResponse, status: number, body: unknown): void {
    this.sendRaw(res, status, encode(body));
  }

  private sendRaw(res: ServerResponse, status: number, buf: Buffer): void {
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': buf.length });
    res.end(buf);
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const buf = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
    res.end(buf);
  }

  private peerAddress(remote: string | undefined, params: Map<string, Buffer[]>): string {
    let ip = remote ?? '';
    if (this.opts.trustIpParam) {
      const given = one(params, 'ip')?.toString('latin1');
      if (given) {
        if (!isIP(given)) throw new QueryError('ip is not an IP address');
        ip = given;
      }
    }
    if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
    return ip;
  }

  private announce(remote: string | undefined, query: string): Buffer {
    this.stats.announces++;
    const params = parseQuery(query);
    const infoHash = one(params, 'info_hash');
    if (!infoHash) throw new QueryError('info_hash is missing');
    if (infoHash.length !== 20) throw new QueryError(`info_hash is ${infoHash.length} bytes, not 20`);
    const peerId = one(params, 'peer_id');
    if (!peerId) throw new QueryError('peer_id is missing');
    if (peerId.length !== 20) throw new QueryError(`peer_id is ${peerId.length} bytes, not 20`);
    const port = intParam(params, 'port', 65535);
    if (port === undefined) throw new QueryError('port is missing');
    if (port === 0) throw new QueryError('port 0 is not a listening port');
    intParam(params, 'uploaded');
    intParam(params, 'downloaded');
    const left = intParam(params, 'left');
    const event = one(params, 'event')?.toString('latin1') ?? '';
    if (!['', 'started', 'completed', 'stopped', 'paused', 'empty'].includes(event)) {
      throw new QueryError(`unknown event "${event.slice(0, 20)}"`);
    }
    const numwant = Math.min(intParam(params, 'numwant', 1e6) ?? this.opts.defaultNumwant, this.opts.maxPeers);
    const compact = one(params, 'compact')?.toString('latin1') !== '0';
    const noPeerId = one(params, 'no_peer_id')?.toString('latin1') === '1';
    const ip = this.peerAddress(remote, params);

    const hex = infoHash.toString('hex');
    const key = peerId.toString('latin1');
    const now = Date.now();
    let swarm: Swarm | undefined;
    let seeder = left === 0 || event === 'completed';
    if (event === 'stopped') {
      swarm = this.swarms.get(hex);
      const at = swarm?.byKey.get(key);
      const wasSeeder = at !== undefined && swarm!.peers[at].seeder;
      // a leecher stopping with nothing left finished without announcing `completed`
      // (aria2c with --seed-time=0 does exactly that): it still counts as a download
      if (at !== undefined && !wasSeeder && left === 0) swarm!.completed++;
      swarm?.remove(key);
      // the last seeder leaving takes the catalog entry with it; a leecher leaving does not
      // (a fresh entry whose seeder has not announced yet waits for the sweep)
      if (swarm && wasSeeder && swarm.seeders === 0) this.catalog.remove(hex);
    } else {
      swarm = this.swarms.getOrCreate(hex);
      const known = swarm.byKey.get(key);
      const wasLeecher = known !== undefined && !swarm.peers[known].seeder;
      if (known !== undefined && event === '' && left === undefined) seeder = swarm.peers[known].seeder;
      swarm.upsert({ key, peerId, ip, port, seeder, lastSeen: now });
      // a finished download counts once: `completed` (unless already a seeder here), or a
      // known leecher announcing left=0 without the event
      if (event === 'completed' ? known === undefined || wasLeecher : wasLeecher && seeder) swarm.completed++;
    }

    // A seeder has no use for other seeders, but a client fetching a magnet link's metadata
    // announces left=0 as well (aria2c does) and needs them: seeders are left out of a
    // seeder's answer only when there are leechers enough to fill it.
    const skipSeeders = seeder && swarm !== undefined && swarm.leechers >= numwant;
    if (compact) return this.compactAnswer(swarm, event === 'stopped' ? 0 : numwant, key, skipSeeders, hex);
    const body: Record<string, unknown> = {
      complete: swarm?.seeders ?? 0,
      incomplete: swarm?.leechers ?? 0,
      interval: this.opts.interval,
      'min interval': this.opts.minInterval,
      // STA peers republish their .torrent when the tracker does not know it (e.g. after a restart)
      'sta catalog': this.catalog.has(hex) ? 1 : 0,
    };
    const peers = event === 'stopped' || !swarm ? [] : swarm.sample(numwant, key, skipSeeders);
    body.peers = peers.map((p) => (noPeerId ? { ip: p.ip, port: p.port } : { 'peer id': p.peerId, ip: p.ip, port: p.port }));
    return encode(body);
  }

  // scratch space for the compact peer lists, grown to the largest numwant seen
  private compact4 = Buffer.alloc(6 * 200);
  private compact6 = Buffer.alloc(18 * 200);
  private readonly compactGot: CompactCounts = { v4: 0, v6: 0 };

  /** The compact announce answer (the common case), built without intermediate objects. */
  private compactAnswer(swarm: Swarm | undefined, numwant: number, key: string, seeder: boolean, hex: string): Buffer {
    if (this.compact4.length < 6 * numwant) {
      this.compact4 = Buffer.alloc(6 * numwant);
      this.compact6 = Buffer.alloc(18 * numwant);
    }
    const got = this.compactGot;
    if (swarm) swarm.sampleCompact(numwant, key, seeder, this.compact4, this.compact6, got);
    else got.v4 = got.v6 = 0;
    return compactAnnounceBody({
      complete: swarm?.seeders ?? 0,
      incomplete: swarm?.leechers ?? 0,
      interval: this.opts.interval,
      minInterval: this.opts.minInterval,
      // STA peers republish their .torrent when the tracker does not know it (e.g. after a restart)
      staCatalog: this.catalog.has(hex) ? 1 : 0,
      v4: this.compact4,
      v4Bytes: got.v4,
      v6: this.compact6,
      v6Bytes: got.v6,
    });
  }

  private scrape(query: string): Buffer {
    this.stats.scrapes++;
    const params = parseQuery(query, this.opts.maxScrape + 10);
    const hashes = params.get('info_hash') ?? [];
    if (hashes.length > this.opts.maxScrape) throw new QueryError(`more than ${this.opts.maxScrape} info_hash values in one scrape`);
    const files = new Map<string, Buffer>();
    const add = (hex: string) => {
      const s = this.swarms.get(hex);
      files.set(hex, encode({ complete: s?.seeders ?? 0, downloaded: s?.completed ?? 0, incomplete: s?.leechers ?? 0 }));
    };
    if (hashes.length === 0) {
      // full scrape, capped like everything else
      let n = 0;
      for (const hex of this.swarms.keys()) {
        if (n++ >= 1000) break;
        add(hex);
      }
    }
    for (const h of hashes) {
      if (h.length !== 20) throw new QueryError(`info_hash is ${h.length} bytes, not 20`);
      add(h.toString('hex'));
    }
    // keys are raw 20-byte info-hashes, sorted as bytes (hex order is byte order)
    const parts: Buffer[] = [Buffer.from('d5:filesd')];
    for (const hex of [...files.keys()].sort()) parts.push(Buffer.from('20:'), Buffer.from(hex, 'hex'), files.get(hex)!);
    parts.push(Buffer.from('ee'));
    return Buffer.concat(parts);
  }

  private catalogRoute(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
    if (path === '/catalog' && req.method === 'GET') {
      const files = [...this.catalog.values()]
        .map((e) => {
          const s = this.swarms.get(e.meta.infoHashHex);
          return entryJson(e, { seeders: s?.seeders ?? 0, leechers: s?.leechers ?? 0, completed: s?.completed ?? 0 });
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      return this.sendJson(res, 200, { files });
    }
    if (path === '/catalog' && req.method === 'POST') return this.publish(req, res, query);
    const m = /^\/catalog\/([0-9a-fA-F]{40})(\.torrent)?$/.exec(path);
    if (m && req.method === 'GET') {
      const e = this.catalog.get(m[1].toLowerCase());
      if (!e) throw new HttpError(404, `no published file with info-hash ${m[1]}`);
      if (m[2]) {
        res.writeHead(200, {
          'Content-Type': 'application/x-bittorrent',
          'Content-Length': e.meta.torrent.length,
          'Content-Disposition': `attachment; filename="${e.meta.infoHashHex}.torrent"`,
        });
        return void res.end(e.meta.torrent);
      }
      const s = this.swarms.get(e.meta.infoHashHex);
      return this.sendJson(res, 200, entryJson(e, { seeders: s?.seeders ?? 0, leechers: s?.leechers ?? 0, completed: s?.completed ?? 0 }));
    }
    if (m || path === '/catalog') throw new HttpError(405, `${req.method} is not allowed on ${path.slice(0, 80)}`);
    throw new HttpError(404, `no route ${path.slice(0, 100)}`);
  }

  private publish(req: IncomingMessage, res: ServerResponse, query: string): void {
    const params = parseQuery(query);
    const declared = Number(req.headers['content-length'] ?? NaN);
    const max = this.opts.maxTorrentBytes;
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
        this.fail(req, res, '/catalog', tooBig());
        req.destroy();
        return;
      }
      if (size > max) chunks.length = 0;
      else chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (failed) return;
      if (size > max) return this.fail(req, res, '/catalog', tooBig());
      try {
        let meta;
        try {
          meta = parseTorrent(Buffer.concat(chunks));
        } catch (e) {
          throw new HttpError(400, `not a valid .torrent: ${(e as Error).message}`);
        }
        const path = cleanCatalogPath(one(params, 'path')?.toString('utf8'), meta.name);
        const { entry, created } = this.catalog.publish(meta, path);
        if (!entry) throw new HttpError(507, `the catalog is full (${this.opts.maxCatalogEntries} files)`);
        if (created) this.log.info(`published ${meta.name} (${meta.infoHashHex})`);
        const s = this.swarms.get(meta.infoHashHex);
        this.sendJson(res, created ? 201 : 200, entryJson(entry, { seeders: s?.seeders ?? 0, leechers: s?.leechers ?? 0, completed: s?.completed ?? 0 }));
      } catch (e) {
        this.fail(req, res, '/catalog', e);
      }
    });
  }
}
