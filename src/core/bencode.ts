// One bencode for the whole engine: the `bencode` package encodes and decodes;
// `scanBencode` is a strict validator that also reports where the `info` dict's raw
// bytes sit, because an info-hash must be taken over the bytes exactly as sent.
import bencode from 'bencode';

export const encode = (value: unknown): Buffer => Buffer.from(bencode.encode(value));

export class BencodeError extends Error {}

export interface ScanLimits {
  maxDepth?: number; // nesting of lists/dicts
  maxTokens?: number; // total values
}

export interface ScanResult {
  /** byte range of the top-level dict's `info` value, if any */
  info?: { start: number; end: number };
}

/**
 * Walks a bencoded buffer without building values and rejects anything that is not
 * strict bencode: leading zeros, `-0`, integers beyond 2^53, string lengths past the
 * end, non-string keys, trailing bytes; depth and token counts are capped. Unsorted
 * dict keys are tolerated (some old torrents have them).
 */
export function scanBencode(buf: Buffer, limits: ScanLimits = {}): ScanResult {
  const maxDepth = limits.maxDepth ?? 100;
  let tokens = limits.maxTokens ?? 1_000_000;
  const result: ScanResult = {};
  let pos = 0;

  const fail = (what: string): never => {
    throw new BencodeError(`invalid bencode at byte ${pos}: ${what}`);
  };

  const readInt = (terminator: number): number => {
    const start = pos;
    while (pos < buf.length && buf[pos] !== terminator) pos++;
    if (pos >= buf.length) fail('unterminated number');
    const text = buf.toString('latin1', start, pos);
    pos++;
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) fail(`bad number "${text.slice(0, 24)}"`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) fail('integer beyond 2^53');
    return n;
  };

  const readString = (): void => {
    const len = readInt(0x3a /* : */);
    if (len < 0) fail('negative string length');
    if (pos + len > buf.length) fail('string runs past the end');
    pos += len;
  };

  // decoding assigns dict[key]: a `__proto__` key would replace the object's prototype
  const readKey = (): string => {
    const keyStart = pos;
    readString();
    const key = buf.toString('latin1', buf.indexOf(0x3a, keyStart) + 1, pos);
    if (key === '__proto__') fail('dict key __proto__ is not allowed');
    return key;
  };

  const value = (depth: number): void => {
    if (--tokens < 0) fail('too many values');
    if (pos >= buf.length) fail('unexpected end');
    const c = buf[pos];
    if (c === 0x69 /* i */) {
      pos++;
      readInt(0x65);
    } else if (c >= 0x30 && c <= 0x39) {
      readString();
    } else if (c === 0x6c /* l */ || c === 0x64 /* d */) {
      if (depth >= maxDepth) fail('nested too deeply');
      const isDict = c === 0x64;
      pos++;
      while (true) {
        if (pos >= buf.length) fail('unterminated ' + (isDict ? 'dict' : 'list'));
        if (buf[pos] === 0x65) {
          pos++;
          break;
        }
        if (isDict) {
          if (!(buf[pos] >= 0x30 && buf[pos] <= 0x39)) fail('dict key is not a string');
          readKey();
        }
        value(depth + 1);
      }
    } else {
      fail(`unexpected byte 0x${c.toString(16)}`);
    }
  };

  const top = buf.length > 0 && buf[0] === 0x64;
  if (top) {
    // top-level dict: look for `info` among its direct keys
    if (--tokens < 0) fail('too many values');
    pos = 1;
    while (true) {
      if (pos >= buf.length) fail('unterminated dict');
      if (buf[pos] === 0x65) {
        pos++;
        break;
      }
      if (!(buf[pos] >= 0x30 && buf[pos] <= 0x39)) fail('dict key is not a string');
      const key = readKey();
      const start = pos;
      value(1);
      if (key === 'info') result.info = { start, end: pos };
    }
  } else {
    value(0);
  }
  if (pos !== buf.length) fail('trailing bytes after the value');
  return result;
}

/** Strictly validated decode. Strings stay Buffers (binary-safe). */
export function decode(buf: Buffer, limits?: ScanLimits): any {
  scanBencode(buf, limits);
  try {
    return bencode.decode(buf);
  } catch (e) {
    throw new BencodeError(`invalid bencode: ${(e as Error).message}`);
  }
}
