// Answers written through node:http: the headers the tracker has always sent, plus what a route adds.
import { ServerResponse } from 'node:http';

/** Bencoded bytes (tracker answers are `text/plain`, as most trackers send them). */
export function sendBytes(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}

/** `body` as JSON; a Buffer is taken to be JSON already (a cached answer). `headers` are added (the catalog's ETag). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length, ...headers });
  res.end(buf);
}

/**
 * Calls `answer` once the client has read the answers before this one: a pipelined request
 * waits for its turn (node:http queues its response until then) and for the socket to drain,
 * so a client that sends requests and never reads gets at most one answer buffered.
 */
export function whenClientReads(res: ServerResponse, answer: () => void): void {
  const socket = res.socket;
  if (!socket) return void res.once('socket', () => whenClientReads(res, answer));
  if (socket.writableNeedDrain) return void socket.once('drain', () => whenClientReads(res, answer));
  answer();
}
