// One HTTP(S) request to a tracker, bounded in time and in response size.
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TrackerError } from './trackerError';

/** How long a tracker may take to answer any request. */
const TRACKER_TIMEOUT_MS = 10_000;
/** The largest response read unless a caller expects more (announce answers are a few KiB). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface FetchOptions {
  method?: string;
  body?: Buffer;
  timeoutMs?: number;
  maxBytes?: number;
  headers?: Record<string, string>;
}

export interface FetchedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function httpFetch(url: string, opts: FetchOptions = {}): Promise<FetchedResponse> {
  const timeoutMs = opts.timeoutMs ?? TRACKER_TIMEOUT_MS;
  const max = opts.maxBytes ?? MAX_RESPONSE_BYTES;
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = { ...opts.headers, ...(opts.body ? { 'Content-Length': String(opts.body.length) } : {}) };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          req.destroy(new TrackerError('tooLarge', `response from ${u.host} is over ${max} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      // a body shorter than its Content-Length, or broken chunking, ends the response with an error
      res.on('error', (e) => reject(new TrackerError('malformed', `response from ${u.host} broke off: ${e.message}`)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new TrackerError('timeout', `tracker ${u.host} did not answer within ${timeoutMs / 1000}s`)));
    req.on('error', (e) => reject(e instanceof TrackerError ? e : new TrackerError('unreachable', `tracker ${u.host} unreachable: ${(e as Error).message}`)));
    req.end(opts.body);
  });
}
