// Reading a request's body under a cap: what a POST route does before it can answer.
import { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './httpError';
import { PUBLISH_LINGER_BYTES } from './limits';

/** Answers a request that failed after the route returned (while its body was read). */
export type LateFailure = (req: IncomingMessage, res: ServerResponse, e: unknown) => void;

/**
 * Reads the body of `req` and hands it to `use` when it is at most `max` bytes; past that the
 * request fails (`fail`) with 413 and `tooBig`. An oversized body is read and dropped up to
 * PUBLISH_LINGER_BYTES before the 413 goes out: closing a socket with unread bytes sends a TCP
 * reset, which can destroy the answer before the client reads it. Beyond that the connection is
 * cut. Throws at once when the declared length is already past that.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, max: number, tooBig: string, fail: LateFailure, use: (body: Buffer) => void): void {
  const refusal = () => new HttpError(413, tooBig);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > PUBLISH_LINGER_BYTES) throw refusal();
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (c: Buffer) => {
    if (failed) return;
    size += c.length;
    if (size > PUBLISH_LINGER_BYTES) {
      failed = true;
      fail(req, res, refusal());
      req.destroy();
      return;
    }
    if (size > max) chunks.length = 0;
    else chunks.push(c);
  });
  req.on('error', () => {});
  req.on('end', () => {
    if (failed) return;
    if (size > max) return fail(req, res, refusal());
    try {
      use(Buffer.concat(chunks, size));
    } catch (e) {
      fail(req, res, e);
    }
  });
}
