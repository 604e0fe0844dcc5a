// A lean HTTP/1.1 front for the tracker's two hot routes, GET /announce and GET /scrape.
// Announces are tiny requests, very often one per TCP connection, and node:http's
// per-connection and per-request machinery costs several times the tracker's own work.
// This front answers a plain, complete GET for those routes itself and hands every other
// connection — another route or method, a request split over reads, a body, anything
// unusual — to the node:http server untouched, so everything but the hot path keeps
// node:http's parsing, limits and timeouts. The node:http server still listens; the front
// sits in front of its 'connection' listener.
import { STATUS_CODES, Server as HttpServer } from 'node:http';
import { Socket } from 'node:net';

export interface FrontAnswer {
  status: number;
  body: Buffer;
}

/** Answers one hot-route request; `url` is the whole request target. */
export type FrontHandler = (route: 'announce' | 'scrape', url: string, query: string, remoteAddress: string | undefined) => FrontAnswer;

export interface FrontOptions {
  /** longest request head answered here; longer ones go to node:http (which answers 431) */
  maxHeadBytes: number;
  /** ms an idle keep-alive connection is kept (node:http's keepAliveTimeout) */
  keepAliveTimeout: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const GET_ = 0x47_45_54_20; // "GET "
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// a request target, or a header value, that node:http might treat differently is not ours
const PLAIN_TARGET = /^[\x21-\x7e]+$/;
const PLAIN_VALUE = /^[\x20-\x7e\t]*$/;

interface Head {
  route: 'announce' | 'scrape';
  url: string;
  query: string;
  keepAlive: boolean;
  /** bytes of the request, head and its (empty) body */
  length: number;
}

/**
 * The request at the start of `buf` if it is a complete, plain GET of /announce or /scrape
 * with no body; otherwise undefined, and the connection belongs to node:http.
 */
export function parseHotRequest(buf: Buffer, maxHeadBytes: number): Head | undefined {
  if (buf.length < 18 || buf.readUInt32BE(0) !== GET_) return undefined;
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0 || end + 4 > maxHeadBytes) return undefined;
  const head = buf.toString('latin1', 0, end);
  let eol = head.indexOf('\r\n');
  if (eol < 0) eol = head.length;
  // request line: GET SP target SP HTTP/1.x
  const sp = head.indexOf(' ', 4);
  if (sp < 0 || sp >= eol) return undefined;
  const version = head.slice(sp + 1, eol);
  const http11 = version === 'HTTP/1.1';
  if (!http11 && version !== 'HTTP/1.0') return undefined;
  const url = head.slice(4, sp);
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  let route: Head['route'];
  if (path === '/announce') route = 'announce';
  else if (path === '/scrape') route = 'scrape';
  else return undefined;
  if (!PLAIN_TARGET.test(url)) return undefined;

  let keepAlive = http11;
  let host = false;
  for (let at = eol + 2; at < head.length; ) {
    let next = head.indexOf('\r\n', at);
    if (next < 0) next = head.length;
    const colon = head.indexOf(':', at);
    if (colon < 0 || colon > next) return undefined;
    const name = head.slice(at, colon);
    if (!TOKEN.test(name)) return undefined; // also catches obs-fold (a line starting with a space)
    const raw = head.slice(colon + 1, next);
    if (!PLAIN_VALUE.test(raw)) return undefined;
    const value = raw.trim(); // only spaces and tabs can be there to trim
    switch (name.toLowerCase()) {
      case 'host':
        if (host) return undefined;
        host = true;
        break;
      case 'connection':
        for (const t of value.toLowerCase().split(',')) {
          const token = t.trim();
          if (token === 'close') keepAlive = false;
          else if (token === 'keep-alive' && !http11) keepAlive = true;
          else if (token === 'upgrade') return undefined;
        }
        break;
      case 'content-length':
        if (value !== '0') return undefined;
        break;
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return undefined;
    }
    at = next + 2;
  }
  if (http11 && !host) return undefined; // node:http answers 400 to that
  return { route, url, query: q < 0 ? '' : url.slice(q + 1), keepAlive, length: end + 4 };
}

interface FrontSocket extends Socket {
  staFront?: HttpFront;
  /** ms since epoch after which the front lets go of the connection */
  staDeadline?: number;
  /** answered a request here: when idle past the deadline it is closed, as node:http would */
  staServed?: boolean;
}

// a connection silent this long goes to node:http, whose request timeouts then apply
const SILENT_MS = 1000;

export class HttpFront {
  private readonly sockets = new Set<FrontSocket>();
  private readonly passOn: (socket: Socket) => void;
  private readonly sweepTimer: NodeJS.Timeout;
  private dateSecond = -1;
  private dateHeader = '';
  private readonly keepAliveHeader: string;

  constructor(
    http: HttpServer,
    private readonly handler: FrontHandler,
    private readonly opts: FrontOptions,
  ) {
    this.keepAliveHeader = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(opts.keepAliveTimeout / 1000)}\r\n\r\n`;
    const httpListeners = http.listeners('connection') as ((socket: Socket) => void)[];
    http.removeAllListeners('connection');
    this.passOn = (socket) => {
      for (const l of httpListeners) l.call(http, socket);
    };
    http.on('connection', (socket: Socket) => this.accept(socket));
    // one timer for all connections instead of one per socket
    this.sweepTimer = setInterval(() => this.sweep(), 1000);
    this.sweepTimer.unref();
  }

  /** Closes the connections it holds (node:http closes those it was handed). */
  close(): void {
    clearInterval(this.sweepTimer);
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private accept(socket: FrontSocket): void {
    socket.staDeadline = Date.now() + SILENT_MS;
    this.sockets.add(socket);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.staFront = this;
  }

  /** @internal */
  data(socket: FrontSocket, chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const rest = at === 0 ? chunk : chunk.subarray(at);
      const head = parseHotRequest(rest, this.opts.maxHeadBytes);
      if (!head) return this.handOff(socket, rest);
      // node:http parses a request after a `Connection: close` one as an error: leave that to it
      if (!head.keepAlive && head.length < rest.length) return this.handOff(socket, rest);
      const { status, body } = this.handler(head.route, head.url, head.query, socket.remoteAddress);
      // the tracker answers a failed request and closes (it does not wait for a body that may follow)
      const keepAlive = head.keepAlive && status === 200;
      const response = this.response(status, body, keepAlive);
      if (!keepAlive) {
        // like node:http: the response, FIN, close once it is sent; whatever else came is ignored
        this.forget(socket);
        socket.end(response, () => socket.destroy());
        return;
      }
      socket.write(response);
      at += head.length;
    }
    socket.staServed = true;
    socket.staDeadline = Date.now() + this.opts.keepAliveTimeout;
    // a client that pipelines without reading its answers waits, as with node:http
    if (socket.writableNeedDrain) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  }

  /** @internal */
  forget(socket: FrontSocket): void {
    socket.removeListener('data', onData);
    this.sockets.delete(socket);
  }

  private handOff(socket: FrontSocket, unread: Buffer): void {
    this.forget(socket);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
    socket.pause();
    if (unread.length > 0) socket.unshift(unread);
    this.passOn(socket);
    socket.resume(); // node:http reads on: the unread bytes first, then the socket
  }

  private response(status: number, body: Buffer, keepAlive: boolean): Buffer {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.dateHeader = new Date(now).toUTCString();
    }
    // the headers node:http sends for res.writeHead(status, { Content-Type, Content-Length }),
    // after a setHeader('Connection', 'close') for a failure
    const head =
      status === 200
        ? `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nDate: ${this.dateHeader}\r\n${keepAlive ? this.keepAliveHeader : 'Connection: close\r\n\r\n'}`
        : `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nDate: ${this.dateHeader}\r\n\r\n`;
    const out = Buffer.allocUnsafe(head.length + body.length);
    out.write(head, 0, 'latin1');
    body.copy(out, head.length);
    return out;
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of this.sockets) {
      if ((s.staDeadline ?? 0) >= now) continue;
      if (s.staServed) {
        this.sockets.delete(s);
        s.destroy();
      } else {
        this.handOff(s, EMPTY);
      }
    }
  }
}

// shared listeners: no closures per connection
function onData(this: FrontSocket, chunk: Buffer): void {
  this.staFront!.data(this, chunk);
}

// the client sent FIN: nothing more will come to answer, so close as node:http does (the
// listening socket allows half-open connections, so nothing else would until a timeout)
function onEnd(this: FrontSocket): void {
  this.staFront?.forget(this);
  this.end(() => this.destroy());
}

function onError(): void {
  // ECONNRESET and the like: the connection is gone, 'close' follows
}

function onClose(this: FrontSocket): void {
  this.staFront?.forget(this);
}
