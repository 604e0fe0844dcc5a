// Query strings of tracker requests carry raw 20-byte values (info_hash, peer_id)
// percent-encoded, so they are decoded to bytes, not to JavaScript strings.

export class QueryError extends Error {}

const hexVal = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
};

/**
 * Percent-decodes `s` (or `s[from, to)`) (and `+` as space) to bytes; throws on a broken escape.
 * Reading up to two characters past `to` is harmless: what follows a query part is `&` or
 * `=`, never a hex digit, exactly as the end of the string would be.
 */
export function percentDecode(s: string, from = 0, to = s.length): Buffer {
  // first count and check, so the result is one exact-size Buffer (announces decode ~10 a time)
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      if (hexVal(s.charCodeAt(i + 1)) < 0 || hexVal(s.charCodeAt(i + 2)) < 0) throw new QueryError('broken percent-escape');
      i += 2;
    } else if (c > 0x7f) {
      throw new QueryError('non-ASCII byte in query');
    }
    n++;
  }
  const out = Buffer.allocUnsafe(n);
  n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      out[n++] = (hexVal(s.charCodeAt(i + 1)) << 4) | hexVal(s.charCodeAt(i + 2));
      i += 2;
    } else {
      out[n++] = c === 0x2b /* + */ ? 0x20 : c;
    }
  }
  return out;
}

/** `s[from, to)` as a parameter name: the text itself when it has nothing to decode. */
function decodeKey(s: string, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 || c === 0x2b || c > 0x7f) return percentDecode(s, from, to).toString('latin1');
  }
  return s.slice(from, to);
}

/** Splits `a=1&b=2&b=3` into a map of byte values; repeated keys keep every value. */
export function parseQuery(query: string, maxParams = 200): Map<string, Buffer[]> {
  const params = new Map<string, Buffer[]>();
  let count = 0;
  for (let start = 0; start < query.length; ) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      if (++count > maxParams) throw new QueryError(`more than ${maxParams} parameters`);
      let eq = query.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end; // no value: an empty one
      const value = percentDecode(query, eq === end ? end : eq + 1, end);
      const k = decodeKey(query, start, eq);
      const list = params.get(k);
      if (list) list.push(value);
      else params.set(k, [value]);
    }
    start = end + 1;
  }
  return params;
}

export function one(params: Map<string, Buffer[]>, key: string): Buffer | undefined {
  const v = params.get(key);
  // every single-valued parameter, info_hash too: an announce naming two torrents is ambiguous
  // (scrape reads its several info_hash values with params.get, not here)
  if (v && v.length > 1) throw new QueryError(`${key} given more than once`);
  return v?.[0];
}

/** A non-negative safe integer parameter, or `undefined` when absent. */
/**
 * A byte counter (uploaded, downloaded, left): up to 20 digits, a 64-bit number, clamped to
 * MAX_SAFE_INTEGER. Transmission announces left=2^63-1 while it fetches a magnet's metadata.
 */
export function counterParam(params: Map<string, Buffer[]>, key: string): number | undefined {
  const raw = one(params, key);
  if (raw === undefined) return undefined;
  const text = raw.toString('latin1');
  if (!/^[0-9]{1,20}$/.test(text)) throw new QueryError(`${key} is not a non-negative integer`);
  return Math.min(Number(text), Number.MAX_SAFE_INTEGER);
}

export function intParam(params: Map<string, Buffer[]>, key: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = one(params, key);
  if (raw === undefined) return undefined;
  const text = raw.toString('latin1');
  if (!/^[0-9]{1,16}$/.test(text)) throw new QueryError(`${key} is not a non-negative integer`);
  const n = Number(text);
  if (n > max) throw new QueryError(`${key} ${n} is above ${max}`);
  return n;
}

/** What every announce says of the peer: its 20-byte id, its listening port, and its counters (`left` when given). */
export function peerParams(params: Map<string, Buffer[]>): { peerId: Buffer; port: number; left: number | undefined } {
  const peerId = one(params, 'peer_id');
  if (!peerId) throw new QueryError('peer_id is missing');
  if (peerId.length !== 20) throw new QueryError(`peer_id is ${peerId.length} bytes, not 20`);
  const port = intParam(params, 'port', 65535);
  if (port === undefined) throw new QueryError('port is missing');
  if (port === 0) throw new QueryError('port 0 is not a listening port');
  counterParam(params, 'uploaded');
  counterParam(params, 'downloaded');
  return { peerId, port, left: counterParam(params, 'left') };
}
