// Hundreds of malformed requests against `sta tracker` running as a child process: each gets
// a 4xx with a reason (or, for bytes that are not HTTP, a closed connection), never a 5xx;
// afterwards the tracker still works, its swarm table did not grow and its RSS is bounded.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { decode, encode } from '../../src/core/bencode';
import { announceQuery, pct, peerId } from '../helpers/announce';
import { bdecodeRawKeys } from '../helpers/bencodeRawKeys';
import { httpGet, rawExchange, RawResult } from '../helpers/http';
import { rssBytes } from '../helpers/processes';
import { prng } from '../helpers/prng';
import { startTrackerChild, TrackerChild } from '../helpers/sta';

type Expect = 'bencode' | 'json' | 'either' | 'nobody' | 'raw';

interface Case {
  name: string;
  req: Buffer;
  expect: Expect;
  /** exact status wanted; otherwise any 4xx */
  status?: number;
}

const CRLF = '\r\n';

/** An HTTP/1.1 request as bytes; `target` may hold any bytes (latin1 string or Buffer). */
function httpReq(method: string, target: string | Buffer, opts: { body?: Buffer; headers?: string[]; noLength?: boolean } = {}): Buffer {
  const head = [`Host: 127.0.0.1`, 'Connection: close', ...(opts.headers ?? [])];
  if (opts.body && !opts.noLength) head.push(`Content-Length: ${opts.body.length}`);
  return Buffer.concat([
    Buffer.from(`${method} `, 'latin1'),
    Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
    Buffer.from(` HTTP/1.1${CRLF}${head.join(CRLF)}${CRLF}${CRLF}`, 'latin1'),
    opts.body ?? Buffer.alloc(0),
  ]);
}

const IH = Buffer.from('0123456789abcdef0123', 'latin1');
const PID = Buffer.from('-TT0001-abcdefghijkl', 'latin1');

/** A valid announce query as an ordered list of [key, encoded value]. */
const baseParams = (): [string, string][] => [
  ['info_hash', pct(IH)],
  ['peer_id', pct(PID)],
  ['port', '6881'],
  ['uploaded', '0'],
  ['downloaded', '0'],
  ['left', '100'],
  ['compact', '1'],
];
const q = (params: [string, string][]) => params.map(([k, v]) => (v === '\u0000' ? k : `${k}=${v}`)).join('&');
const set = (params: [string, string][], key: string, value: string | undefined) => {
  const out = params.filter(([k]) => k !== key);
  if (value !== undefined) out.push([key, value]);
  return out;
};

function tableCases(): Case[] {
  const c: Case[] = [];
  const ann = (name: string, params: [string, string][], status = 400) =>
    c.push({ name: `announce: ${name}`, req: httpReq('GET', `/announce?${q(params)}`), expect: 'bencode', status });
  const b = baseParams();
  ann('no query at all', []);
  ann('missing info_hash', set(b, 'info_hash', undefined));
  ann('empty info_hash', set(b, 'info_hash', ''));
  ann('19-byte info_hash', set(b, 'info_hash', pct(IH.subarray(0, 19))));
  ann('21-byte info_hash', set(b, 'info_hash', pct(Buffer.concat([IH, Buffer.from('x')]))));
  ann('40-hex info_hash', set(b, 'info_hash', IH.toString('hex')));
  ann('missing peer_id', set(b, 'peer_id', undefined));
  ann('19-byte peer_id', set(b, 'peer_id', pct(PID.subarray(0, 19))));
  ann('200-byte peer_id', set(b, 'peer_id', 'x'.repeat(200)));
  for (const port of ['0', '65536', '-1', 'abc', '', '1e3', '0x50', '6881.0', '+6881', '%20', '99999999999999999999', '٣']) {
    ann(`port "${port}"`, set(b, 'port', encodeURIComponent(port)));
  }
  ann('missing port', set(b, 'port', undefined));
  for (const bad of ['%', '%4', '%zz', '%G0', 'abc%', '%%41', '%-1']) {
    ann(`percent escape "${bad}" in info_hash`, set(b, 'info_hash', pct(IH.subarray(0, 18)) + bad));
  }
  ann('broken escape in a key', [...b, ['x%zz', '1']]);
  ann('broken escape in an unknown param', [...b, ['foo', '%q']]);
  for (const ev of ['start', 'STARTED', 'complete', 'stop', 'x', 'started%00', 'a'.repeat(500)]) {
    ann(`event "${ev.slice(0, 20)}"`, set(b, 'event', encodeURIComponent(ev)));
  }
  for (const nw of ['-1', 'abc', '1.5', '', '1e9', '9999999', '0x10', '18446744073709551616']) {
    ann(`numwant "${nw}"`, set(b, 'numwant', encodeURIComponent(nw)));
  }
  for (const k of ['uploaded', 'downloaded', 'left']) for (const v of ['-5', 'abc', '', '999999999999999999999', '1e3']) ann(`${k} "${v}"`, set(b, k, v));
  for (const k of ['info_hash', 'peer_id', 'port', 'event', 'numwant', 'left', 'compact']) {
    const v = b.find(([kk]) => kk === k)?.[1] ?? (k === 'event' ? 'started' : '5');
    ann(`repeated ${k}`, [...b, [k, v], [k, v]]);
  }
  ann('201 parameters', [...b, ...Array.from({ length: 200 }, (_, i): [string, string] => [`p${i}`, '1'])]);
  c.push({ name: 'announce: query of 9 KiB', req: httpReq('GET', `/announce?${q(b)}&pad=${'a'.repeat(9 * 1024)}`), expect: 'bencode', status: 414 });
  c.push({ name: 'announce: query of 15.9 KiB', req: httpReq('GET', `/announce?${q(b)}&pad=${'a'.repeat(16 * 1024 - 400)}`), expect: 'bencode', status: 414 });
  c.push({ name: 'announce: query of 17 KiB', req: httpReq('GET', `/announce?${q(b)}&pad=${'a'.repeat(17 * 1024)}`), expect: 'bencode', status: 431 });
  c.push({ name: 'announce: query of 1 MiB', req: httpReq('GET', `/announce?${q(b)}&pad=${'a'.repeat(1 << 20)}`), expect: 'bencode', status: 431 });
  c.push({
    name: 'announce: 20 KiB header',
    req: httpReq('GET', `/announce?${q(b)}`, { headers: [`X-Pad: ${'p'.repeat(20 * 1024)}`] }),
    expect: 'bencode',
    status: 431,
  });
  c.push({
    name: 'announce: raw non-ASCII bytes in the query',
    req: httpReq('GET', Buffer.concat([Buffer.from(`/announce?${q(b)}&x=`), Buffer.from([0xc3, 0xa9, 0xff])])),
    expect: 'either',
    status: 400,
  });
  c.push({
    name: 'announce: raw NUL in the query',
    req: httpReq('GET', Buffer.concat([Buffer.from(`/announce?${q(b)}&x=`), Buffer.from([0])])),
    expect: 'either',
    status: 400,
  });

  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
    c.push({
      name: `announce: ${m}`,
      req: httpReq(m, `/announce?${q(b)}`, m === 'POST' || m === 'PUT' ? { body: Buffer.from('x=1') } : {}),
      expect: 'bencode',
      status: 405,
    });
  }
  c.push({ name: 'announce: HEAD', req: httpReq('HEAD', `/announce?${q(b)}`), expect: 'nobody', status: 405 });
  for (const m of ['POST', 'DELETE']) c.push({ name: `scrape: ${m}`, req: httpReq(m, `/scrape?info_hash=${pct(IH)}`), expect: 'bencode', status: 405 });

  const scr = (name: string, query: string, status = 400) =>
    c.push({ name: `scrape: ${name}`, req: httpReq('GET', `/scrape?${query}`), expect: 'bencode', status });
  scr('19-byte info_hash', `info_hash=${pct(IH.subarray(0, 19))}`);
  scr('empty info_hash', 'info_hash=');
  scr('good then short info_hash', `info_hash=${pct(IH)}&info_hash=abc`);
  scr('65 info_hash values (cap 64)', Array.from({ length: 65 }, () => `info_hash=${pct(randomBytes(20))}`).join('&'));
  scr('100 info_hash values', Array.from({ length: 100 }, () => `info_hash=${pct(IH)}`).join('&'));
  scr('80 junk params', Array.from({ length: 80 }, (_, i) => `j${i}=1`).join('&'));
  scr('broken escape', 'info_hash=%zz');
  c.push({ name: 'scrape: query of 17 KiB', req: httpReq('GET', `/scrape?info_hash=${'%41'.repeat(6000)}`), expect: 'bencode', status: 431 });

  const unknownPaths = [
    '/',
    '/foo',
    '/announce/',
    '/announce.php',
    '/ANNOUNCE',
    '//announce',
    '/scrape/x',
    '/favicon.ico',
    '/announce%00',
    '/..%2f..%2fetc%2fpasswd',
    '*',
    'http://evil/announce',
  ];
  for (const path of unknownPaths) {
    if (path === '/') c.push({ name: 'POST /', req: httpReq('POST', '/', { body: Buffer.from('x') }), expect: 'bencode', status: 404 });
    else c.push({ name: `unknown path ${path}`, req: httpReq('GET', path), expect: 'bencode', status: 404 });
  }

  const hex = 'ab'.repeat(20);
  for (const [m, path, status] of [
    ['PUT', '/catalog', 405],
    ['DELETE', '/catalog', 405],
    ['PATCH', '/catalog', 405],
    ['POST', `/catalog/${hex}`, 405],
    ['POST', `/catalog/${hex}.torrent`, 405],
    ['DELETE', `/catalog/${hex}`, 405],
    ['GET', `/catalog/${hex}`, 404],
    ['GET', `/catalog/${hex}.torrent`, 404],
    ['GET', `/catalog/${hex.slice(1)}`, 404],
    ['GET', `/catalog/${'zz'.repeat(20)}`, 404],
    ['GET', `/catalog/${hex}.torrentx`, 404],
    ['GET', `/catalog/${hex}/x`, 404],
    ['GET', '/catalog/', 404],
    ['GET', '/catalog/../announce', 404],
  ] as const) c.push({ name: `catalog: ${m} ${path.slice(0, 30)}`, req: httpReq(m, path), expect: 'json', status });
  const torrent = validTorrent();
  c.push({ name: 'catalog: POST with path=%zz', req: httpReq('POST', '/catalog?path=%zz', { body: torrent }), expect: 'json', status: 400 });
  c.push({ name: 'catalog: POST empty body', req: httpReq('POST', '/catalog', { body: Buffer.alloc(0) }), expect: 'json', status: 400 });
  c.push({ name: 'catalog: POST no body, no length', req: httpReq('POST', '/catalog'), expect: 'json', status: 400 });
  // declared over the limit: answered at once when far over, after reading (and dropping) the body otherwise
  c.push({
    name: 'catalog: POST declares 1 GB, sends nothing',
    req: httpReq('POST', '/catalog', { noLength: true, headers: ['Content-Length: 1000000000'] }),
    expect: 'json',
    status: 413,
  });
  c.push({
    name: 'catalog: POST declares 5 MB, sends 1 KB, then FIN',
    req: httpReq('POST', '/catalog', { body: randomBytes(1024), noLength: true, headers: ['Content-Length: 5000000'] }),
    expect: 'either',
  });
  c.push({
    name: 'catalog: POST declares 10^20 bytes',
    req: httpReq('POST', '/catalog', { body: randomBytes(10), noLength: true, headers: ['Content-Length: 100000000000000000000'] }),
    expect: 'either',
  });
  c.push({ name: 'catalog: POST 5 MiB body', req: httpReq('POST', '/catalog', { body: Buffer.alloc(5 << 20, 0x64) }), expect: 'json', status: 413 });
  const chunked = Buffer.concat([
    ...Array.from({ length: 70 }, () => Buffer.concat([Buffer.from(`10000${CRLF}`), Buffer.alloc(0x10000, 0x6c), Buffer.from(CRLF)])),
    Buffer.from(`0${CRLF}${CRLF}`),
  ]);
  c.push({
    name: 'catalog: POST 4.4 MiB chunked',
    req: httpReq('POST', '/catalog', { body: chunked, noLength: true, headers: ['Transfer-Encoding: chunked'] }),
    expect: 'json',
    status: 413,
  });
  const small = Buffer.concat([Buffer.from(`5${CRLF}d4:in${CRLF}0${CRLF}${CRLF}`)]);
  c.push({
    name: 'catalog: POST chunked bad bencode',
    req: httpReq('POST', '/catalog', { body: small, noLength: true, headers: ['Transfer-Encoding: chunked'] }),
    expect: 'json',
    status: 400,
  });
  c.push({
    name: 'catalog: POST bad chunk size',
    req: httpReq('POST', '/catalog', { body: Buffer.from(`zz${CRLF}abc${CRLF}`), noLength: true, headers: ['Transfer-Encoding: chunked'] }),
    expect: 'either',
    status: 400,
  });
  c.push({
    name: 'catalog: POST two Content-Lengths',
    req: httpReq('POST', '/catalog', { body: torrent, headers: ['Content-Length: 3'] }),
    expect: 'either',
    status: 400,
  });
  c.push({
    name: 'catalog: POST body shorter than declared, then FIN',
    req: httpReq('POST', '/catalog', { body: torrent.subarray(0, 50), noLength: true, headers: [`Content-Length: ${torrent.length}`] }),
    expect: 'either',
    status: 400,
  });
  for (const [name, t] of invalidTorrents(torrent)) {
    c.push({ name: `catalog: POST ${name}`, req: httpReq('POST', '/catalog?path=a.bin', { body: t }), expect: 'json', status: 400 });
  }

  const raw = (name: string, bytes: Buffer | string) =>
    c.push({ name: `raw: ${name}`, req: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1'), expect: 'raw' });
  raw('empty then FIN', '');
  raw('CRLF only', CRLF + CRLF);
  raw('HTTP/0.9 style', `GET /announce${CRLF}`);
  raw('HTTP/9.9', `GET /announce HTTP/9.9${CRLF}Host: a${CRLF}${CRLF}`);
  raw('no Host header', `GET /announce HTTP/1.1${CRLF}Connection: close${CRLF}${CRLF}`);
  raw('space in target', `GET /announce?a b HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`);
  raw('bad header line', `GET /announce HTTP/1.1${CRLF}Host a${CRLF}${CRLF}`);
  raw('header with NUL', `GET /announce HTTP/1.1${CRLF}Host: a\0b${CRLF}${CRLF}`);
  raw('CONNECT', `CONNECT 127.0.0.1:22 HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`);
  raw('HTTP/2 preface', `PRI * HTTP/2.0${CRLF}${CRLF}SM${CRLF}${CRLF}`);
  raw('TLS client hello', Buffer.from('160301020001000200030300', 'hex'));
  raw('BitTorrent handshake', Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(8), IH, PID]));
  raw('half a request line', 'GET /announce?info_hash=');
  raw('half a header', `GET /announce HTTP/1.1${CRLF}Ho`);
  raw('upgrade: websocket', `GET /announce HTTP/1.1${CRLF}Host: a${CRLF}Connection: Upgrade${CRLF}Upgrade: websocket${CRLF}${CRLF}`);
  return c;
}

function validTorrent(): Buffer {
  return encode({ announce: 'http://127.0.0.1:1/announce', info: { length: 100_000, name: 'ok.bin', 'piece length': 32768, pieces: Buffer.alloc(80, 3) } });
}

function invalidTorrents(valid: Buffer): [string, Buffer][] {
  const top = decode(valid);
  const withInfo = (patch: Record<string, unknown>, drop?: string) => {
    const info = { ...top.info, ...patch };
    if (drop) delete info[drop];
    return encode({ ...top, info });
  };
  return [
    ['random bytes', randomBytes(300)],
    ['a bencoded list', encode([1, 2])],
    ['no info', encode({ announce: 'x' })],
    ['multi-file', withInfo({ files: [{ length: 1, path: ['a'] }] })],
    ['pieces 79 bytes', withInfo({ pieces: Buffer.alloc(79) })],
    ['pieces 3 hashes for 4 pieces', withInfo({ pieces: Buffer.alloc(60) })],
    ['piece length 20000', withInfo({ 'piece length': 20000 })],
    ['piece length 8192', withInfo({ 'piece length': 8192, pieces: Buffer.alloc(13 * 20) })],
    ['no name', withInfo({}, 'name')],
    ['length 0', withInfo({ length: 0 })],
    ['leading zero', Buffer.from(valid.toString('latin1').replace('i100000e', 'i0100000e'), 'latin1')],
    ['trailing byte', Buffer.concat([valid, Buffer.from('x')])],
    ['deep nesting', Buffer.from('l'.repeat(5000) + 'e'.repeat(5000))],
  ];
}

/** The generated part: seeded, so every run sends the same bytes. */
function generatedCases(seed: number, count: number): Case[] {
  const r = prng(seed);
  const out: Case[] = [];
  const valid = validTorrent();
  const asciiJunk = () => Array.from({ length: r.int(1, 30) }, () => String.fromCharCode(r.int(0x21, 0x7e))).join('');
  for (let i = 0; out.length < count; i++) {
    const kind = r.pick(['announce', 'announce', 'announce', 'announce', 'scrape', 'catalog', 'catalog', 'path', 'raw', 'half'] as const);
    if (kind === 'announce') {
      let p = baseParams();
      const defect = r.int(0, 11);
      let expect: Expect = 'bencode';
      let status: number | undefined = 400;
      switch (defect) {
        case 0:
          p = set(p, r.pick(['info_hash', 'peer_id', 'port']), undefined);
          break;
        case 1: {
          const k = r.pick(['info_hash', 'peer_id']);
          const n = r.next() < 0.5 ? r.int(0, 19) : r.int(21, 80);
          p = set(p, k, pct(r.bytes(n)));
          break;
        }
        case 2:
          p = set(
            p,
            'port',
            encodeURIComponent(r.pick(['0', '65536', '-1', 'abc', '', String(r.int(65536, 1e9)), `${r.int(1, 9)}.${r.int(0, 9)}`, asciiJunk() + 'x'])),
          );
          break;
        case 3: {
          // a broken percent escape somewhere
          const at = r.int(0, p.length - 1);
          const bad = r.pick(['%', '%' + String.fromCharCode(r.int(0x67, 0x7a)), '%' + r.int(0, 9), '%' + String.fromCharCode(r.int(0x47, 0x5a)) + '0']);
          p[at] = [p[at][0], p[at][1] + bad];
          break;
        }
        case 4:
          p = set(p, 'event', encodeURIComponent(asciiJunk() + 'z'));
          break;
        case 5: {
          const k = r.pick(['info_hash', 'peer_id', 'port', 'left', 'numwant', 'event', 'uploaded', 'downloaded', 'compact', 'no_peer_id']);
          const v = k === 'info_hash' || k === 'peer_id' ? pct(r.bytes(20)) : k === 'event' ? 'started' : String(r.int(1, 100));
          p.push([k, v], [k, v]);
          break;
        }
        case 6:
          p = set(
            p,
            'numwant',
            encodeURIComponent(r.pick(['-' + r.int(1, 100), 'abc', '', String(r.int(1_000_001, 2e9)), `${r.int(1, 9)}e${r.int(1, 9)}`, asciiJunk() + '!'])),
          );
          break;
        case 7:
          p = set(p, r.pick(['uploaded', 'downloaded', 'left']), encodeURIComponent(r.pick(['-1', 'abc', '', '1'.repeat(r.int(17, 40)), asciiJunk() + '_'])));
          break;
        case 8: {
          // long query: over 8 KiB is 414; past the 16 KiB head limit the parser refuses (431)
          const len = r.next() < 0.5 ? r.int(8300, 15_500) : r.int(16_500, 64_000);
          p.push(['pad', 'a'.repeat(len)]);
          status = len < 16_000 ? 414 : 431;
          break;
        }
        case 9: {
          // raw bytes ≥ 0x80 or control bytes in the target: the HTTP parser refuses them
          const junk = Buffer.from(Array.from({ length: r.int(1, 8) }, () => (r.next() < 0.7 ? r.int(0x80, 0xff) : r.pick([0, 1, 9, 0x7f]))));
          out.push({
            name: `gen ${i}: announce with raw bytes ${junk.toString('hex')}`,
            req: httpReq('GET', Buffer.concat([Buffer.from(`/announce?${q(p)}&x=`), junk])),
            expect: 'either',
            status: 400,
          });
          continue;
        }
        case 10:
          for (let k = r.int(201, 260); p.length < k; ) p.push([`k${p.length}`, String(p.length)]);
          break;
        default: {
          const m = r.pick(['POST', 'PUT', 'DELETE', 'PATCH']);
          out.push({
            name: `gen ${i}: announce via ${m}`,
            req: httpReq(m, `/announce?${q(p)}`, { body: r.bytes(r.int(0, 64)) }),
            expect: 'bencode',
            status: 405,
          });
          continue;
        }
      }
      out.push({ name: `gen ${i}: announce defect ${defect}`, req: httpReq('GET', `/announce?${q(p)}`), expect, status });
    } else if (kind === 'scrape') {
      const n = r.int(1, 5);
      const hashes = Array.from({ length: n }, () => pct(r.bytes(20)));
      const defect = r.int(0, 2);
      if (defect === 0) hashes.splice(r.int(0, n), 0, pct(r.bytes(r.next() < 0.5 ? r.int(0, 19) : r.int(21, 40))));
      else if (defect === 1) while (hashes.length <= 64) hashes.push(pct(r.bytes(20)));
      else hashes[r.int(0, n - 1)] += r.pick(['%', '%g1', '%1']);
      out.push({
        name: `gen ${i}: scrape defect ${defect}`,
        req: httpReq('GET', `/scrape?${hashes.map((h) => `info_hash=${h}`).join('&')}`),
        expect: 'bencode',
        status: 400,
      });
    } else if (kind === 'catalog') {
      const defect = r.int(0, 3);
      let body: Buffer;
      if (defect === 0) body = r.bytes(r.int(0, 4096));
      else if (defect === 1) body = valid.subarray(0, r.int(0, valid.length - 1)); // truncated: never valid
      else if (defect === 2) body = Buffer.concat([valid, r.bytes(r.int(1, 16))]); // trailing bytes
      else {
        // one structural byte (a bencode type marker or digit outside strings) replaced
        const text = valid.toString('latin1');
        const at = r.pick([0, text.indexOf('8:announce'), text.indexOf('4:info'), text.indexOf('d6:length'), text.indexOf('i100000e'), text.lastIndexOf('e')]);
        body = Buffer.from(valid);
        body[at] = r.pick([0x78, 0x2d, 0x3a, 0x20, 0xff]);
      }
      out.push({
        name: `gen ${i}: catalog POST defect ${defect} (${body.length} bytes)`,
        req: httpReq('POST', `/catalog?path=${encodeURIComponent(asciiJunk())}`, { body }),
        expect: 'json',
        status: 400,
      });
    } else if (kind === 'path') {
      const path = '/' + asciiJunk().replace(/[?#]/g, '');
      if (path === '/announce' || path === '/scrape' || path === '/' || path.startsWith('/catalog')) continue;
      const method = r.pick(['GET', 'GET', 'POST', 'DELETE', 'OPTIONS']);
      // 404 from the router, or 400 if the HTTP parser dislikes a character: a reason either way
      out.push({ name: `gen ${i}: ${method} ${path}`, req: httpReq(method, path), expect: 'bencode' });
    } else if (kind === 'raw') {
      // random bytes that cannot start a request line (the first byte is not a letter)
      const bytes = r.bytes(r.int(1, 2048));
      if (/[A-Za-z]/.test(String.fromCharCode(bytes[0]))) bytes[0] = 0x01;
      out.push({ name: `gen ${i}: ${bytes.length} random bytes`, req: bytes, expect: 'raw' });
    } else {
      // a valid request cut short, then the client half-closes
      const full = httpReq('GET', `/announce?${q(baseParams())}`);
      out.push({ name: `gen ${i}: half-sent request`, req: full.subarray(0, r.int(0, full.length - 3)), expect: 'raw' });
    }
  }
  return out;
}

interface Verdict {
  ok: boolean;
  why?: string;
}

function judge(c: Case, r: RawResult): Verdict {
  if (r.status === undefined) {
    if (c.expect === 'raw' && r.closed && r.data.length === 0) return { ok: true };
    return { ok: false, why: `no HTTP response (closed=${r.closed}, ${r.data.length} bytes: ${JSON.stringify(r.data.subarray(0, 60).toString('latin1'))})` };
  }
  if (r.status >= 500) return { ok: false, why: `server error ${r.status}` };
  if (r.status < 400 || r.status >= 500) return { ok: false, why: `status ${r.status}, want 4xx` };
  if (c.status !== undefined && r.status !== c.status) return { ok: false, why: `status ${r.status}, want ${c.status}` };
  const body = r.body ?? Buffer.alloc(0);
  const isBencodeFailure = () => {
    try {
      const v = decode(body);
      return Buffer.isBuffer(v?.['failure reason']) && v['failure reason'].length > 0;
    } catch {
      return false;
    }
  };
  const isJsonError = () => {
    try {
      const v = JSON.parse(body.toString('utf8'));
      return typeof v?.error === 'string' && v.error.length > 0;
    } catch {
      return false;
    }
  };
  const shown = JSON.stringify(body.subarray(0, 80).toString('latin1'));
  switch (c.expect) {
    case 'bencode':
      return isBencodeFailure() ? { ok: true } : { ok: false, why: `no bencoded failure reason: ${shown}` };
    case 'json':
      return isJsonError() ? { ok: true } : { ok: false, why: `no JSON error: ${shown}` };
    case 'either':
      return isBencodeFailure() || isJsonError() ? { ok: true } : { ok: false, why: `no failure reason / JSON error: ${shown}` };
    case 'nobody':
      return body.length === 0 ? { ok: true } : { ok: false, why: `HEAD answered with a body: ${shown}` };
    case 'raw':
      return { ok: true }; // any 4xx
  }
}

async function runAll(port: number, cases: Case[], concurrency = 12): Promise<{ failures: string[]; statuses: Map<string, number> }> {
  const failures: string[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      const r = await rawExchange(port, c.req, { timeoutMs: 8000 });
      const v = judge(c, r);
      const k = String(r.status ?? (r.closed ? 'closed' : 'timeout'));
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
      if (!v.ok) failures.push(`${c.name}: ${v.why}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { failures, statuses };
}

describe('tracker under hostile input (child process)', function () {
  this.timeout(120_000);
  let t: TrackerChild;
  const cases = [...tableCases(), ...generatedCases(0x5eed, 600)];

  before(async () => {
    t = await startTrackerChild(['--max-scrape', '64']);
  });
  after(async () => {
    await t?.stop();
  });

  async function swarmCount(): Promise<number> {
    const r = await httpGet(`${t.base}/`);
    assert.equal(r.status, 200);
    return JSON.parse(r.body.toString()).torrents;
  }

  async function validAnnounceWorks(): Promise<void> {
    const ih = randomBytes(20);
    const a = peerId('OK0001');
    const b = peerId('OK0002');
    let r = await httpGet(`${t.announce}?${announceQuery({ infoHash: ih, peerId: a, port: 7001, event: 'started' })}`);
    assert.equal(r.status, 200, r.body.toString());
    r = await httpGet(`${t.announce}?${announceQuery({ infoHash: ih, peerId: b, port: 7002, event: 'started' })}`);
    assert.equal(r.status, 200);
    const body = decode(r.body);
    assert.equal(body.incomplete, 2);
    assert.deepEqual(body.peers, Buffer.from([127, 0, 0, 1, 7001 >> 8, 7001 & 255]));
    const s = await httpGet(`${t.scrape}?info_hash=${pct(ih)}`);
    assert.deepEqual({ ...bdecodeRawKeys(s.body).files[ih.toString('latin1')] }, { complete: 0, downloaded: 0, incomplete: 2 });
    for (const id of [a, b]) await httpGet(`${t.announce}?${announceQuery({ infoHash: ih, peerId: id, port: 7001, event: 'stopped' })}`);
  }

  it(`answers ${cases.length} malformed requests with 4xx and a reason, never 5xx; swarms and memory stay put`, async () => {
    assert.ok(cases.length >= 500, `only ${cases.length} cases`);
    await validAnnounceWorks();
    const swarmsBefore = await swarmCount();
    // a first pass warms the process up (JIT, buffers) before the memory baseline
    const first = await runAll(t.port, cases);
    assert.deepEqual(first.failures.slice(0, 30), [], `${first.failures.length} of ${cases.length} requests misanswered`);
    const rss1 = rssBytes(t.pid);
    const second = await runAll(t.port, cases);
    const third = await runAll(t.port, cases);
    const rss3 = rssBytes(t.pid);
    assert.deepEqual([...second.failures, ...third.failures].slice(0, 30), []);
    const growth = rss3 - rss1;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    console.log(`      statuses: ${JSON.stringify(Object.fromEntries(first.statuses))}; RSS ${mib(rss1)} → ${mib(rss3)} MiB after ${2 * cases.length} more`);
    assert.ok(growth < 32 * 2 ** 20, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB over two more passes`);
    assert.ok(rss3 < 256 * 2 ** 20, `RSS ${(rss3 / 2 ** 20).toFixed(1)} MiB`);
    assert.equal(await swarmCount(), swarmsBefore, 'bad requests created swarms');
    const full = bdecodeRawKeys((await httpGet(t.scrape)).body).files;
    assert.equal(Object.keys(full).length, swarmsBefore);
    assert.equal(t.child.exitCode, null, 'the tracker is still running');
    await validAnnounceWorks();
    assert.doesNotMatch(t.stderr(), /internal error/, 'the tracker logged an internal error');
  });

  it('keeps serving while connections hang half-way through a request', async () => {
    const socks: Socket[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        const s = connect({ host: '127.0.0.1', port: t.port });
        s.on('error', () => undefined);
        socks.push(s);
        await new Promise<void>((resolve) => s.once('connect', () => resolve()));
        s.write(i % 2 ? 'GET /announce?info_hash=' : `POST /catalog HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nd4:`);
      }
      const t0 = Date.now();
      await validAnnounceWorks();
      assert.ok(Date.now() - t0 < 2000, 'a valid announce waited on the stalled connections');
      assert.equal((await httpGet(`${t.base}/catalog`)).status, 200);
    } finally {
      for (const s of socks) s.destroy();
    }
  });

  it('closes at once when a client half-closes: before sending anything, or after a keep-alive answer', async () => {
    const closeDelay = async (prelude?: Buffer): Promise<number> => {
      const s = connect({ host: '127.0.0.1', port: t.port });
      s.on('error', () => undefined);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      try {
        if (prelude) {
          const got = new Promise<Buffer>((resolve) => s.once('data', resolve));
          s.write(prelude);
          const first = await got;
          assert.match(first.toString('latin1'), /^HTTP\/1\.1 200 /);
        }
        const t0 = Date.now();
        const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
        s.end();
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 3000).unref());
        assert.notEqual(await Promise.race([closed, timer]), 'timeout', 'the tracker kept a half-closed connection open');
        return Date.now() - t0;
      } finally {
        s.destroy();
      }
    };
    assert.ok((await closeDelay()) < 1000);
    const keepAlive = Buffer.from(
      `GET /announce?${announceQuery({ infoHash: randomBytes(20), peerId: peerId(), port: 7200, event: 'started' })} HTTP/1.1\r\nHost: a\r\n\r\n`,
    );
    assert.ok((await closeDelay(keepAlive)) < 1000);
  });

  it('repeated valid-but-different announces grow swarms only by what they name, and stopped shrinks them', async () => {
    const before = await swarmCount();
    const hashes = Array.from({ length: 20 }, () => randomBytes(20));
    const id = peerId('GR0001');
    for (const ih of hashes) {
      assert.equal((await httpGet(`${t.announce}?${announceQuery({ infoHash: ih, peerId: id, port: 7100, event: 'started' })}`)).status, 200);
    }
    assert.equal(await swarmCount(), before + 20);
    for (const ih of hashes) await httpGet(`${t.announce}?${announceQuery({ infoHash: ih, peerId: id, port: 7100, event: 'stopped' })}`);
    const full = bdecodeRawKeys((await httpGet(t.scrape)).body).files;
    for (const ih of hashes) assert.equal(full[ih.toString('latin1')]?.incomplete ?? 0, 0);
  });
});
