// Tracker query strings: raw bytes percent-encoded, decoded to bytes, strictly.
import assert from 'node:assert/strict';
import { counterParam, intParam, one, parseQuery, percentDecode, QueryError } from '../../../../src/core/tracker/query';

const every256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const pctAll = (b: Buffer) => [...b].map((c) => '%' + c.toString(16).padStart(2, '0')).join('');

describe('tracker query strings', () => {
  it('decodes every byte value, upper- and lower-case hex, and + as a space', () => {
    assert.deepEqual(percentDecode(pctAll(every256)), every256);
    assert.deepEqual(percentDecode(pctAll(every256).toUpperCase()), every256);
    assert.deepEqual(percentDecode('a+b%2Bc'), Buffer.from('a b+c'));
    assert.deepEqual(percentDecode('xx%41yy', 2, 5), Buffer.from('A'));
  });

  it('a 20-byte info_hash comes back byte for byte, mixed with unreserved characters', () => {
    const ih = Buffer.from('00ff7e41422d2e5f7e80a0c0e0fe0102030405aa', 'hex');
    const char = (c: number) => String.fromCharCode(c);
    const mixed = [...ih].map((c) => (/[A-Za-z0-9.\-_~]/.test(char(c)) ? char(c) : '%' + c.toString(16).padStart(2, '0'))).join('');
    const q = parseQuery(`info_hash=${mixed}&port=6881`);
    assert.deepEqual(one(q, 'info_hash'), ih);
    assert.equal(intParam(q, 'port'), 6881);
  });

  it('refuses broken escapes and non-ASCII, also at the very end of the string', () => {
    for (const bad of ['%', '%4', '%g1', 'a%zz', 'ab%4', '\u00e9', 'x=\u20ac']) {
      assert.throws(() => parseQuery(`k=${bad}`), QueryError, JSON.stringify(bad));
    }
    assert.throws(() => parseQuery('%zz=1'), QueryError, 'in a key too');
  });

  it('keeps repeated keys, gives empty values to bare keys and skips empty parts', () => {
    const q = parseQuery('info_hash=a&info_hash=b&&flag&x=&=v');
    assert.deepEqual(q.get('info_hash'), [Buffer.from('a'), Buffer.from('b')]);
    assert.deepEqual(q.get('flag'), [Buffer.alloc(0)]);
    assert.deepEqual(q.get('x'), [Buffer.alloc(0)]);
    assert.deepEqual(q.get(''), [Buffer.from('v')]);
    assert.equal(parseQuery('').size, 0);
    assert.deepEqual(parseQuery('a%3Db=c').get('a=b'), [Buffer.from('c')], 'an encoded = belongs to the key');
  });

  it('caps the number of parameters', () => {
    const q = Array.from({ length: 5 }, (_, i) => `k${i}=1`).join('&');
    assert.equal(parseQuery(q, 5).size, 5);
    assert.throws(() => parseQuery(q + '&k5=1', 5), /more than 5 parameters/);
  });

  it('one(): a single-valued parameter given twice is an error', () => {
    const q = parseQuery('peer_id=a&peer_id=b&port=1');
    assert.throws(() => one(q, 'peer_id'), /peer_id given more than once/);
    assert.equal(one(q, 'missing'), undefined);
  });

  it('intParam(): non-negative decimal integers up to a maximum', () => {
    const q = parseQuery('a=0&b=65535&c=65536&d=-1&e=1e3&f=%20&g=12345678901234567&h=0x10&i=9007199254740991');
    assert.equal(intParam(q, 'a'), 0);
    assert.equal(intParam(q, 'b', 65535), 65535);
    assert.throws(() => intParam(q, 'c', 65535), /c 65536 is above 65535/);
    for (const k of ['d', 'e', 'f', 'g', 'h']) assert.throws(() => intParam(q, k), /is not a non-negative integer/, k);
    assert.equal(intParam(q, 'i'), Number.MAX_SAFE_INTEGER);
    assert.equal(intParam(q, 'absent'), undefined);
  });

  it('counterParam(): byte counters up to 20 digits (64-bit), clamped to MAX_SAFE_INTEGER', () => {
    const q = parseQuery('a=0&b=9223372036854775807&c=123456789012345678901&d=-1&e=1e3');
    assert.equal(counterParam(q, 'a'), 0);
    assert.equal(counterParam(q, 'b'), Number.MAX_SAFE_INTEGER);
    for (const k of ['c', 'd', 'e']) assert.throws(() => counterParam(q, k), /is not a non-negative integer/, k);
    assert.equal(counterParam(q, 'absent'), undefined);
  });
});
