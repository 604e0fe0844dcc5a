// The HTTP front's own parser faces untrusted bytes: it takes only what it is sure of and
// leaves everything else (undefined) to node:http.
import assert from 'node:assert/strict';
import { parseHotRequest } from '../../../../src/core/tracker/hotRequest';
import { prng } from '../../../helpers/prng';

const MAX = 16384;
const req = (s: string) => Buffer.from(s, 'latin1');
const get = (target: string, headers = 'Host: t\r\n', version = 'HTTP/1.1') => req(`GET ${target} ${version}\r\n${headers}\r\n`);

describe('parseHotRequest', () => {
  it('a plain GET of /announce or /scrape: route, target, query, keep-alive, length', () => {
    const a = get('/announce?info_hash=%00%ff&port=1');
    const query = 'info_hash=%00%ff&port=1';
    assert.deepEqual(parseHotRequest(a, MAX), { route: 'announce', url: `/announce?${query}`, query, keepAlive: true, length: a.length });
    const s = get('/scrape');
    assert.deepEqual(parseHotRequest(s, MAX), { route: 'scrape', url: '/scrape', query: '', keepAlive: true, length: s.length });
  });

  it('keep-alive: HTTP/1.1 unless Connection: close, HTTP/1.0 only with keep-alive', () => {
    assert.equal(parseHotRequest(get('/announce', 'Host: t\r\nConnection: close\r\n'), MAX)?.keepAlive, false);
    assert.equal(parseHotRequest(get('/announce', 'Host: t\r\nConnection: Keep-Alive, CLOSE\r\n'), MAX)?.keepAlive, false);
    assert.equal(parseHotRequest(get('/announce', '', 'HTTP/1.0'), MAX)?.keepAlive, false, 'HTTP/1.0 needs no Host');
    assert.equal(parseHotRequest(get('/announce', 'Connection: keep-alive\r\n', 'HTTP/1.0'), MAX)?.keepAlive, true);
    assert.equal(parseHotRequest(get('/announce', 'Host: t\r\nContent-Length: 0\r\nX-Any:  v \t\r\n'), MAX)?.keepAlive, true);
  });

  it('pipelining: the first request only, its length marks where the next begins', () => {
    const one = get('/announce?a=1');
    const two = get('/scrape?b=2');
    const head = parseHotRequest(Buffer.concat([one, two]), MAX)!;
    assert.equal(head.length, one.length);
    assert.equal(head.query, 'a=1');
    assert.equal(parseHotRequest(Buffer.concat([one, two]).subarray(head.length), MAX)?.route, 'scrape');
  });

  it('a partial request is not answered here: every prefix of a valid one gives undefined', () => {
    const full = get('/announce?info_hash=abc&port=6881');
    for (let n = 0; n < full.length; n++) assert.equal(parseHotRequest(full.subarray(0, n), MAX), undefined, `prefix of ${n} bytes`);
  });

  it('a head longer than the limit goes to node:http (which answers 431)', () => {
    const long = get('/announce?x=' + 'a'.repeat(200));
    assert.ok(parseHotRequest(long, long.length));
    assert.equal(parseHotRequest(long, long.length - 1), undefined);
    assert.equal(parseHotRequest(get('/announce', `Host: t\r\nX-Big: ${'b'.repeat(MAX)}\r\n`), MAX), undefined);
  });

  it('other methods, routes, versions and targets are not ours', () => {
    const notOurs = [
      req('POST /announce HTTP/1.1\r\nHost: t\r\n\r\n'),
      req('get /announce HTTP/1.1\r\nHost: t\r\n\r\n'),
      req('HEAD /announce HTTP/1.1\r\nHost: t\r\n\r\n'),
      get('/catalog'),
      get('/announce/x'),
      get('/announcex'),
      get('http://t/announce'),
      get('/announce', 'Host: t\r\n', 'HTTP/2.0'),
      get('/announce', 'Host: t\r\n', 'HTTP/1.1 '),
      req('GET /announce\r\nHost: t\r\n\r\n'),
      req('GET  /announce HTTP/1.1\r\nHost: t\r\n\r\n'),
      req('GET /announce?a=\u00e9 HTTP/1.1\r\nHost: t\r\n\r\n'),
      req('GET /announce?a=\x7f HTTP/1.1\r\nHost: t\r\n\r\n'),
      req('GET /announce?a=1\tb HTTP/1.1\r\nHost: t\r\n\r\n'),
    ];
    for (const b of notOurs) assert.equal(parseHotRequest(b, MAX), undefined, JSON.stringify(b.toString('latin1')));
  });

  it('headers that could smuggle a second request or a body are not ours', () => {
    const smuggling = [
      'Host: t\r\nTransfer-Encoding: chunked\r\n',
      'Host: t\r\nContent-Length: 5\r\n',
      'Host: t\r\nContent-Length: 00\r\n',
      'Host: t\r\nContent-Length: 0\r\nContent-Length: 0, 0\r\n',
      'Host: t\r\nHost: u\r\n',
      'Host: t\r\n folded: continuation\r\n',
      'Host: t\r\nX Bad: 1\r\n',
      'Host: t\r\nNoColon\r\n',
      'Host: t\r\n: empty-name\r\n',
      'Host: t\r\nX-Ctl: a\x00b\r\n',
      'Host: t\r\nX-Bare-CR: a\rb\r\n',
      'Host: t\r\nX-Bare-LF: a\nb\r\n',
      'Host: t\r\nX-Hi: caf\u00e9\r\n',
      'Host: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
      'Host: t\r\nConnection: upgrade\r\n',
      'Host: t\r\nExpect: 100-continue\r\n',
      'Content-Length: 0\r\n',
    ];
    for (const h of smuggling) assert.equal(parseHotRequest(get('/announce', h), MAX), undefined, JSON.stringify(h));
  });

  it('random bytes and mangled requests never throw, and whatever it takes is a clean GET', () => {
    const r = prng(0x7ac4);
    const base = get('/announce?info_hash=%01%02&port=1', 'Host: t\r\nConnection: keep-alive\r\n');
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(base);
      for (let k = r.int(1, 4); k > 0; k--) b[r.int(0, b.length - 1)] = r.int(0, 255);
      const cut = i % 3 === 0 ? r.bytes(r.int(0, 64)) : b;
      const head = parseHotRequest(cut, MAX);
      if (!head) continue;
      const text = cut.toString('latin1', 0, head.length);
      assert.match(text, /^GET \/(announce|scrape)(\?[\x21-\x7e]*)? HTTP\/1\.[01]\r\n/);
      assert.ok(text.endsWith('\r\n\r\n'));
      assert.doesNotMatch(text.slice(0, -4), /[^\x20-\x7e\t\r\n]|\r(?!\n)|(?<!\r)\n/);
    }
  });
});
