// The request parser of the HTTP front: it faces untrusted bytes, so it accepts only a complete,
// plain GET of /announce or /scrape (under the team key, if any) and leaves anything it is not
// sure of to node:http.
import { RouteKey } from './routeKey';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const GET_ = 0x47_45_54_20; // "GET "
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// a request target, or a header value, that node:http might treat differently is not ours
const PLAIN_TARGET = /^[\x21-\x7e]+$/;
const PLAIN_VALUE = /^[\x20-\x7e\t]*$/;

export interface HotRequest {
  route: 'announce' | 'scrape';
  url: string;
  query: string;
  keepAlive: boolean;
  /** bytes of the request, head and its (empty) body */
  length: number;
}

const NO_KEY = new RouteKey();

/**
 * The request at the start of `buf` if it is a complete, plain GET of /announce or /scrape
 * (`/KEY/announce`, `/KEY/scrape` with a team key) with no body; otherwise undefined, and the
 * connection belongs to node:http (which also refuses a missing or wrong key).
 */
export function parseHotRequest(buf: Buffer, maxHeadBytes: number, key = NO_KEY): HotRequest | undefined {
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
  const at = key.start(path);
  let route: HotRequest['route'];
  if (at < 0) return undefined;
  if (path.length - at === 9 && path.startsWith('/announce', at)) route = 'announce';
  else if (path.length - at === 7 && path.startsWith('/scrape', at)) route = 'scrape';
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
