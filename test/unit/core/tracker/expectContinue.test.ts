// `Expect: 100-continue` on a pipelined request (a fuzz finding): node:http writes its
// `100 Continue` the moment it parses the request, i.e. inside the answer still being sent for
// the request before it. The tracker sends it in the request's own turn, or not at all.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { TrackerServer } from '../../../../src/core/tracker/server';

/** Sends `bytes` on one connection and returns everything the tracker sent until it closed. */
function exchange(port: number, bytes: string, thenSend?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (thenSend && got.includes('100 Continue')) {
        s.write(thenSend);
        thenSend = undefined;
      }
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(3000, () => s.destroy());
    s.write(bytes);
  });
}

/** Splits an answer stream into responses by Content-Length; throws if it does not parse. */
function responses(stream: string): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = [];
  let at = 0;
  while (at < stream.length) {
    const head = stream.indexOf('\r\n\r\n', at);
    assert.ok(head > 0, `no header end in ${JSON.stringify(stream.slice(at, at + 80))}`);
    const lines = stream.slice(at, head).split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0]);
    assert.ok(m, `not a status line: ${JSON.stringify(lines[0])}`);
    const len = Number(/\r\ncontent-length: (\d+)/i.exec(stream.slice(at, head + 2))?.[1] ?? 0);
    out.push({ status: Number(m[1]), body: stream.slice(head + 4, head + 4 + len) });
    at = head + 4 + len;
  }
  return out;
}

describe('tracker: Expect: 100-continue', () => {
  let t: TrackerServer;
  beforeEach(async () => {
    t = new TrackerServer({ host: '127.0.0.1', port: 0 });
    await t.listen();
  });
  afterEach(() => t.close());

  it('never writes 100 Continue into the answer of an earlier pipelined request', async () => {
    const port = Number(new URL(t.baseUrl).port);
    const reqs =
      'GET /catalog HTTP/1.1\r\nHost: t\r\n\r\n' +
      'GET /nowhere HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n' +
      'GET /catalog HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
    const stream = await exchange(port, reqs);
    assert.doesNotMatch(stream, /100 Continue/);
    // every byte belongs to a well-framed answer, in order (node:http may close after the
    // request that expected to send a body, rather than guess whether one follows)
    const got = responses(stream);
    assert.deepEqual(got.slice(0, 2).map((r) => r.status), [200, 404]);
    assert.deepEqual(JSON.parse(got[0].body), { files: [] });
  });

  it('still takes a POST that waits for 100 Continue before sending its body', async () => {
    const port = Number(new URL(t.baseUrl).port);
    const body = 'not a torrent';
    const head = `POST /catalog?path=x.bin HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
    const stream = await exchange(port, head, body);
    assert.match(stream, /^HTTP\/1\.1 100 Continue\r\n\r\n/);
    const [answer] = responses(stream.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
    assert.equal(answer.status, 400, 'the body arrived and was judged (not a torrent)');
  });
});
