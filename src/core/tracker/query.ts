// Query strings of tracker requests carry raw 20-byte values (info_hash, peer_id)
// percent-encoded, so they are decoded to bytes, not to JavaScript strings.

export class QueryError extends Error {}

const hexVal = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
};

/** Percent-decodes `s` (and `+` as space) to bytes; throws on a broken escape. */
export function percentDecode(s: string): Buffer {
  const out = Buffer.allocUnsafe(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hi = hexVal(s.charCodeAt(i + 1));
      const lo = hexVal(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw new QueryError('broken percent-escape');
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else if (c === 0x2b /* + */) {
      out[n++] = 0x20;
    } else if (c > 0x7f) {
      throw new QueryError('non-ASCII byte in query');
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/** Splits `a=1&b=2&b=3` into a map of byte values; repeated keys keep every value. */
export function parseQuery(query: string, maxParams = 200): Map<string, Buffer[]> {
  const params = new Map<string, Buffer[]>();
  if (query.length === 0) return params;
  let count = 0;
  for (const part of query.split('&')) {
    if (part.length === 0) continue;
    if (++count > maxParams) throw new QueryError(`more than ${maxParams} parameters`);
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq));
    const value = percentDecode(eq < 0 ? '' : part.slice(eq + 1));
    const k = percentDecode(key).toString('latin1');
    const list = params.get(k);
    if (list) list.push(value);
    else params.set(k, [value]);
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
export function intParam(params: Map<string, Buffer[]>, key: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = one(params, key);
  if (raw === undefined) return undefined;
  const text = raw.toString('latin1');
  if (!/^[0-9]{1,16}$/.test(text)) throw new QueryError(`${key} is not a non-negative integer`);
  const n = Number(text);
  if (n > max) throw new QueryError(`${key} ${n} is above ${max}`);
  return n;
}
