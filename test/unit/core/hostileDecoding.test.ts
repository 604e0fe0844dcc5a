// Inputs the fuzzer (test/fuzz) found mishandled: each must end in the parser's own error type,
// never a TypeError, because callers branch on BencodeError / MetainfoError / TrackerError.kind.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { BencodeError, decode } from '../../../src/core/bencode';
import { MetainfoError, parseTorrent } from '../../../src/core/metainfo';
import { announce } from '../../../src/core/trackerClient/announce';
import { TrackerError } from '../../../src/core/trackerClient/trackerError';
import { fakeTracker } from './trackerClient/fakeTracker';

const params = { infoHash: Buffer.alloc(20, 1), peerId: Buffer.alloc(20, 2), port: 6881, uploaded: 0, downloaded: 0, left: 0 };
const isKind = (kind: string) => (e: unknown) => e instanceof TrackerError && e.kind === kind;

describe('hostile decoding (fuzz findings)', () => {
  it('refuses a __proto__ dict key at any depth instead of letting it replace the prototype', () => {
    assert.throws(() => decode(Buffer.from('d9:__proto__4:AAAAe')), BencodeError);
    assert.throws(() => decode(Buffer.from('d4:infod9:__proto__4:AAAAee')), BencodeError);
    assert.throws(() => decode(Buffer.from('ld9:__proto__le1:xee')), BencodeError);
    assert.equal(Object.getPrototypeOf(decode(Buffer.from('d5:proto4:AAAAe'))), Object.prototype);
  });

  it('reports a piece length that is a dict with its own toString as a MetainfoError', () => {
    const t = Buffer.from('d4:infod6:lengthi100e4:name1:x12:piece lengthd8:toStringi257ee6:pieces20:' + 'a'.repeat(20) + 'ee');
    assert.throws(() => parseTorrent(t), (e) => e instanceof MetainfoError && /not an integer/.test((e as Error).message));
  });

  it('reads a failure reason or warning that is not a string without throwing a TypeError', async () => {
    const fake = await fakeTracker(() => ({ body: 'd14:failure reasond8:toStringi257eee' }));
    try {
      await assert.rejects(announce(fake.url, params), (e) => isKind('refused')(e) && /no reason given/.test((e as Error).message));
      fake.answer = () => ({ body: 'd8:intervali30e5:peers0:15:warning messaged8:toStringi1eee' });
      const r = await announce(fake.url, params);
      assert.equal(r.warning, undefined);
    } finally {
      await fake.close();
    }
  });

  it('turns a body cut short of its Content-Length into a TrackerError', async () => {
    const server = createServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nd8:interval')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/announce`;
    try {
      await assert.rejects(announce(url, params), isKind('malformed'));
    } finally {
      server.close();
    }
  });
});
