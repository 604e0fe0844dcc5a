// Answers written through node:http: the headers the tracker has always sent, nothing more.
import { ServerResponse } from 'node:http';

/** Bencoded bytes (tracker answers are `text/plain`, as most trackers send them). */
export function sendBytes(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
  res.end(buf);
}
