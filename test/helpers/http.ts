// HTTP over loopback for tests: one request per fresh connection, or raw bytes on a TCP socket
// (to send what no HTTP client would) with the reply parsed when it is HTTP.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request on a fresh connection (no keep-alive), bounded by `timeoutMs`. */
export function httpRequest(
  method: string,
  url: string,
  body?: Buffer,
  headers: Record<string, string | number> = {},
  timeoutMs = 10_000,
  localAddress?: string,
): Promise<HttpResult> {
  return new Promise((resolveP, reject) => {
    const req = request(url, { method, agent: false, headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveP({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.slice(0, 80)} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** One request from the local address `addr` (127.0.0.x): how tests look like several hosts to a tracker. */
export const httpRequestFrom = (addr: string, method: string, url: string, body?: Buffer): Promise<HttpResult> =>
  httpRequest(method, url, body, {}, 10_000, addr);

export const httpGet = (url: string, timeoutMs?: number): Promise<HttpResult> =>
  httpRequest('GET', url, undefined, {}, timeoutMs);

export interface RawResult {
  /** everything the server sent before it closed (or before the timeout) */
  data: Buffer;
  /** the server closed or reset the connection */
  closed: boolean;
  reset: boolean;
  /** parsed when `data` starts with an HTTP status line */
  status?: number;
  headers?: Record<string, string>;
  body?: Buffer;
}

/**
 * Writes `bytes` on a fresh TCP connection, optionally half-closes, and collects the reply
 * until the server closes (or `timeoutMs`). Lets tests send what no HTTP client would.
 */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  opts: { end?: boolean; timeoutMs?: number; host?: string } = {},
): Promise<RawResult> {
  const { end = true, timeoutMs = 5000, host = '127.0.0.1' } = opts;
  return new Promise((resolveP) => {
    const sock = connect({ host, port });
    const chunks: Buffer[] = [];
    let done = false;
    let reset = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolveP(parseRaw(Buffer.concat(chunks), closed, reset));
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => {
      sock.write(bytes, () => undefined);
      if (end) sock.end();
    });
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') reset = true;
      finish(true);
    });
    sock.on('close', () => finish(true));
  });
}

function parseRaw(data: Buffer, closed: boolean, reset: boolean): RawResult {
  const out: RawResult = { data, closed, reset };
  const headEnd = data.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, 20).toString('latin1'));
  if (!m || headEnd < 0) return out;
  out.status = Number(m[1]);
  out.headers = {};
  for (const line of data.subarray(0, headEnd).toString('latin1').split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out.headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = data.subarray(headEnd + 4);
  const len = out.headers['content-length'];
  if (len !== undefined) body = body.subarray(0, Number(len));
  else if (/chunked/i.test(out.headers['transfer-encoding'] ?? '')) body = dechunk(body);
  out.body = body;
  return out;
}

function dechunk(b: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (let guard = 0; guard < 100_000 && pos < b.length; guard++) {
    const eol = b.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(b.subarray(pos, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
