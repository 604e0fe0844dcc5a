import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BencodeError, decode, encode, scanBencode } from '../../../src/core/bencode';

const b = (s: string | Buffer) => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));
const rejects = (s: string | Buffer, re?: RegExp) => {
  assert.throws(() => scanBencode(b(s)), (e: unknown) => {
    assert.ok(e instanceof BencodeError, `expected BencodeError, got ${e}`);
    if (re) assert.match((e as Error).message, re);
    return true;
  });
  assert.throws(() => decode(b(s)), BencodeError);
};

describe('bencode scanner', () => {
  it('accepts strict bencode of every type', () => {
    const ints = ['i0e', 'i-1e', 'i42e', `i${Number.MAX_SAFE_INTEGER}e`, `i-${Number.MAX_SAFE_INTEGER}e`];
    for (const s of [...ints, '0:', '3:abc', 'le', 'de', 'li1e3:fooe', 'd1:ai1e1:bli2eee']) {
      assert.doesNotThrow(() => scanBencode(b(s)), s);
    }
    assert.deepEqual(decode(b('d1:ai1e1:bl1:xi-2eee')), { a: 1, b: [Buffer.from('x'), -2] });
  });

  it('rejects leading zeros in integers and string lengths', () => {
    rejects('i01e', /bad number/);
    rejects('i00e', /bad number/);
    rejects('i-01e', /bad number/);
    rejects('03:abc', /bad number/);
    rejects('d01:ai1ee', /bad number/);
  });

  it('rejects -0, empty and non-decimal integers', () => {
    rejects('i-0e', /bad number/);
    rejects('ie', /bad number/);
    rejects('i-e', /bad number/);
    rejects('i+1e', /bad number/);
    rejects('i1.5e', /bad number/);
    rejects('i 1e', /bad number/);
    rejects('i0x10e', /bad number/);
  });

  it('rejects integers beyond 2^53 (both signs) and huge string lengths', () => {
    rejects(`i${Number.MAX_SAFE_INTEGER + 1}e`, /2\^53/);
    rejects(`i-${Number.MAX_SAFE_INTEGER + 1}e`, /2\^53/);
    rejects('i99999999999999999999999e', /2\^53/);
    rejects('99999999999999999999:x', /2\^53/);
  });

  it('rejects truncated values', () => {
    for (const s of ['', '5:abc', '1:', '4:spa', 'i12', 'i', 'l', 'li1e', 'd', 'd1:a', 'd1:ai1e', 'd3:fooli1e', '3', '3abc']) rejects(s);
    rejects('5:abc', /past the end/);
    rejects('li1e', /unterminated list/);
    rejects('d1:ai1e', /unterminated dict/);
  });

  it('rejects trailing bytes after the value', () => {
    for (const s of ['i1ei2e', 'dee', 'lee', '3:abcd', 'de ', 'd1:ai1ee\n', 'le\0']) rejects(s, /trailing bytes/);
  });

  it('rejects junk bytes, negative string lengths and non-string dict keys', () => {
    rejects('x', /unexpected byte/);
    rejects('-1:a', /unexpected byte/);
    rejects('di1ei2ee', /dict key is not a string/);
    rejects('d1:adi1ei2eee', /dict key is not a string/);
    rejects('lxe', /unexpected byte/);
  });

  it('caps nesting depth (lists and dicts, top-level dict included) without blowing the stack', () => {
    const nest = (n: number, open = 'l') => open.repeat(n) + 'e'.repeat(n);
    assert.doesNotThrow(() => scanBencode(b(nest(100))));
    rejects(nest(101), /nested too deeply/);
    rejects(nest(100_000), /nested too deeply/);
    rejects('d1:a' + nest(100) + 'e', /nested too deeply/); // the top dict is level 1
    assert.doesNotThrow(() => scanBencode(b('d1:a' + nest(99) + 'e')));
    const dicts = 'd1:a'.repeat(150) + 'i1e' + 'e'.repeat(150);
    rejects(dicts, /nested too deeply/);
    assert.throws(() => scanBencode(b(nest(10)), { maxDepth: 5 }), /nested too deeply/);
  });

  it('caps the number of values', () => {
    const list = 'l' + 'i1e'.repeat(1000) + 'e';
    assert.doesNotThrow(() => scanBencode(b(list), { maxTokens: 1001 }));
    assert.throws(() => scanBencode(b(list), { maxTokens: 1000 }), /too many values/);
  });

  it('finds the exact byte span of the top-level info dict', () => {
    const info = { length: 5, name: Buffer.from('a'), 'piece length': 16384, pieces: Buffer.alloc(20, 7) };
    const buf = encode({ announce: 'http://x/announce', info, 'z key': 1 });
    const { info: span } = scanBencode(buf);
    assert.ok(span);
    assert.deepEqual(buf.subarray(span.start, span.end), encode(info));
    // the hash of the span is the info-hash of the re-encoded dict (it was canonical here)
    assert.equal(createHash('sha1').update(buf.subarray(span.start, span.end)).digest('hex'), createHash('sha1').update(encode(info)).digest('hex'));
  });

  it('takes the info span as sent, even from unsorted keys and non-canonical order', () => {
    // keys out of order inside info: re-encoding would sort them and change the hash
    const rawInfo = 'd4:name1:a6:lengthi5e12:piece lengthi16384e6:pieces20:' + 'p'.repeat(20) + 'e';
    const buf = b('d4:info' + rawInfo + '8:announce3:urle');
    const { info: span } = scanBencode(buf);
    assert.ok(span);
    assert.equal(buf.subarray(span.start, span.end).toString('latin1'), rawInfo);
    assert.notDeepEqual(encode(decode(b(rawInfo))), b(rawInfo));
  });

  it('reports no info span when there is none, or when info is not top-level', () => {
    assert.equal(scanBencode(b('d1:ai1ee')).info, undefined);
    assert.equal(scanBencode(b('ld4:infodeee')).info, undefined);
    assert.equal(scanBencode(b('d1:ad4:infodeee')).info, undefined);
    assert.deepEqual(scanBencode(b('d4:infoi3ee')).info, { start: 7, end: 10 }); // a span, whatever its type
  });

  it('is binary-safe: strings with any bytes and keys with high bytes', () => {
    const bin = Buffer.from([0, 255, 0x65, 0x3a, 0x64, 0x6c]);
    const buf = Buffer.concat([b('d3:bin6:'), bin, b('2:\xff\xfei1ee')]);
    assert.doesNotThrow(() => scanBencode(buf));
    assert.deepEqual(decode(buf).bin, bin);
  });

  it('encode → decode round-trips random structures', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const gen = (depth: number): unknown => {
      const r = rnd();
      if (depth > 4 || r < 0.3) return Math.floor((rnd() - 0.5) * 2 ** 40);
      if (r < 0.6) return Buffer.from(Array.from({ length: Math.floor(rnd() * 30) }, () => Math.floor(rnd() * 256)));
      if (r < 0.8) return Array.from({ length: Math.floor(rnd() * 5) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) o['k' + Math.floor(rnd() * 1000)] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 200; i++) {
      const v = gen(0);
      const e = encode(v);
      assert.doesNotThrow(() => scanBencode(e));
      assert.deepEqual(encode(decode(e)), e);
    }
  });

  it('never throws anything but BencodeError on random and mutated input', () => {
    let seed = 99;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const base = encode({ info: { length: 1, name: 'x', 'piece length': 16384, pieces: Buffer.alloc(20) }, announce: 'http://a/announce' });
    for (let i = 0; i < 2000; i++) {
      const m = Buffer.from(base);
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.3 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
      try {
        decode(cut);
      } catch (e) {
        assert.ok(e instanceof BencodeError, `mutation ${i}: ${(e as Error).stack}`);
      }
    }
  });
});
