// A lean HTTP/1.1 front for the tracker's two hot routes, GET /announce and GET /scrape.
// Announces are tiny requests, very often one per TCP connection, and node:http's
// per-connection and per-request machinery costs several times the tracker's own work.
// The front listens; it answers a plain, complete GET for those routes itself and hands every
// other connection — another route or method, a request split over reads, a body, anything
// unusual — to the node:http server with `emit('connection')`, as Node documents for injecting
// connections, so everything but the hot path keeps node:http's parsing, limits and timeouts.
import { STATUS_CODES, Server as HttpServer } from 'node:http';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { encode } from '../bencode';
import { parseHotRequest } from './hotRequest';
import { MAX_PIPELINED } from './limits';
import { RouteKey } from './routeKey';

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
  /** open connections, node:http's included: a new one past it closes the oldest */
  maxConnections: number;
  /** requests the front answers on one connection before it closes it */
  maxRequestsPerSocket: number;
  /** the team key the hot routes live under */
  key: RouteKey;
}

const EMPTY = Buffer.alloc(0);
const CRLFCRLF = Buffer.from('\r\n\r\n');
const TOO_DEEP = encode({ 'failure reason': `more than ${MAX_PIPELINED} pipelined requests` });
// a connection silent this long goes to node:http, whose request timeouts then apply
const SILENT_MS = 1000;
// how often held connections are checked against their deadlines: one timer for all of them
const SWEEP_MS = 1000;

/** A connection the front holds (has not handed to node:http). */
class HeldConnection {
  /** answered a request here: when idle past the deadline it is closed, as node:http would */
  served = false;
  requests = 0;
  /** ms since epoch after which the front lets go of the connection */
  constructor(public deadline: number) {}
}

export class HttpFront {
  private readonly listener: Server;
  private readonly held = new Map<Socket, HeldConnection>();
  // every open connection, oldest first (a Set keeps insertion order)
  private readonly open = new Set<Socket>();
  private readonly sweepTimer: NodeJS.Timeout;
  private dateSecond = -1;
  private dateHeader = '';
  private readonly keepAliveHeader: string;
  // one set of socket listeners for every connection (the socket is `this`): no closures per connection
  private readonly onData: (this: Socket, chunk: Buffer) => void;
  private readonly onEnd: (this: Socket) => void;
  private readonly onClose: (this: Socket) => void;
  private readonly onGone: (this: Socket) => void;

  constructor(
    private readonly http: HttpServer,
    private readonly handler: FrontHandler,
    private readonly opts: FrontOptions,
  ) {
    this.keepAliveHeader = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(opts.keepAliveTimeout / 1000)}\r\n\r\n`;
    // the socket options node:http listens with, so a connection handed over is as if it had accepted it
    this.listener = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    const front = this;
    this.onData = function (chunk) {
      front.data(this, chunk);
    };
    // the client sent FIN: nothing more will come to answer, so close as node:http does (the
    // listener allows half-open connections, so nothing else would until a timeout)
    this.onEnd = function () {
      front.forget(this);
      this.end(() => this.destroy());
    };
    this.onClose = function () {
      front.forget(this);
    };
    this.onGone = function () {
      front.open.delete(this);
    };
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, host, () => {
        this.listener.off('error', reject);
        resolve();
      });
    });
    // node:http starts its header and request timeouts on 'listening', and it never listens itself
    this.http.emit('listening');
  }

  address(): AddressInfo {
    return this.listener.address() as AddressInfo;
  }

  /** Stops listening and closes the connections it holds; resolves when every connection it accepted is gone. */
  close(): Promise<void> {
    clearInterval(this.sweepTimer);
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const s of this.held.keys()) s.destroy();
    this.held.clear();
    return closed;
  }

  private accept(socket: Socket): void {
    if (this.open.size >= this.opts.maxConnections) {
      const oldest = this.open.values().next().value as Socket;
      this.open.delete(oldest);
      oldest.destroy();
    }
    this.open.add(socket);
    socket.on('close', this.onGone); // kept when node:http takes the connection
    this.held.set(socket, new HeldConnection(Date.now() + SILENT_MS));
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', onError);
    socket.on('close', this.onClose);
  }

  private data(socket: Socket, chunk: Buffer): void {
    const held = this.held.get(socket)!;
    let at = 0;
    while (at < chunk.length) {
      const rest = at === 0 ? chunk : chunk.subarray(at);
      // the next pipelined request is answered once the client has read the answers before it
      if (socket.writableNeedDrain) return this.waitForReader(socket, held, rest);
      const head = parseHotRequest(rest, this.opts.maxHeadBytes, this.opts.key);
      if (!head) return this.handOff(socket, rest);
      // node:http parses a request after a `Connection: close` one as an error: leave that to it
      if (!head.keepAlive && head.length < rest.length) return this.handOff(socket, rest);
      const { status, body } = this.handler(head.route, head.url, head.query, socket.remoteAddress);
      // the tracker answers a failed request and closes (it does not wait for a body that may follow)
      const keepAlive = head.keepAlive && status === 200 && ++held.requests < this.opts.maxRequestsPerSocket;
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
    held.served = true;
    held.deadline = Date.now() + this.opts.keepAliveTimeout;
    // a client that pipelines without reading its answers waits, as with node:http
    if (socket.writableNeedDrain) {
      socket.pause();
      socket.once('drain', resumeSocket);
    }
  }

  /** Keeps `unread` until the client reads; one that never does is closed at the keep-alive deadline. */
  private waitForReader(socket: Socket, held: HeldConnection, unread: Buffer): void {
    held.served = true;
    held.deadline = Date.now() + this.opts.keepAliveTimeout;
    socket.pause();
    socket.unshift(unread);
    socket.once('drain', resumeSocket);
  }

  private forget(socket: Socket): void {
    socket.removeListener('data', this.onData);
    this.held.delete(socket);
  }

  private handOff(socket: Socket, unread: Buffer): void {
    this.forget(socket);
    // node:http would parse every request in the read at once, however many: refuse a flood
    if (requestHeads(unread) > MAX_PIPELINED) {
      socket.end(this.response(429, TOO_DEEP, false), () => socket.destroy());
      return;
    }
    socket.removeListener('end', this.onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', this.onClose);
    socket.pause();
    if (unread.length > 0) socket.unshift(unread);
    this.http.emit('connection', socket);
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
        ? `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n` +
          `Date: ${this.dateHeader}\r\n${keepAlive ? this.keepAliveHeader : 'Connection: close\r\n\r\n'}`
        : `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\nConnection: close\r\n` +
          `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\nDate: ${this.dateHeader}\r\n\r\n`;
    const out = Buffer.allocUnsafe(head.length + body.length);
    out.write(head, 0, 'latin1');
    body.copy(out, head.length);
    return out;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [s, held] of this.held) {
      if (held.deadline >= now) continue;
      if (held.served) {
        this.held.delete(s);
        s.destroy();
      } else {
        this.handOff(s, EMPTY);
      }
    }
  }
}

/** Complete request heads in `buf`, counted up to one past MAX_PIPELINED. */
function requestHeads(buf: Buffer): number {
  let n = 0;
  for (let at = buf.indexOf(CRLFCRLF); at >= 0 && n <= MAX_PIPELINED; at = buf.indexOf(CRLFCRLF, at + 4)) n++;
  return n;
}

function resumeSocket(this: Socket): void {
  this.resume();
}

function onError(): void {
  // ECONNRESET and the like: the connection is gone, 'close' follows
}
