// The HTTP front in process, over 127.0.0.1: what it answers itself, what it hands to node:http
// (with emit('connection')), and that both close when asked.
import assert from 'node:assert/strict';
import { connect, Socket } from 'node:net';
import { TrackerServer } from '../../../../src/core/tracker/server';

const pct = (b: Buffer) => [...b].map((c) => '%' + c.toString(16).padStart(2, '0')).join('');
const announceTarget = (n: number) => `/announce?info_hash=${pct(Buffer.alloc(20, 7))}&peer_id=${pct(Buffer.alloc(20, n))}&port=${6000 + n}&left=1`;
const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\nHost: t\r\n${headers}\r\n`;

/** A raw connection that collects everything the tracker sends until it closes. */
async function open(port: number): Promise<{ s: Socket; text: () => string; closed: Promise<void> }> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
  return { s, text: () => got, closed };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > end) throw new Error('timed out');
  }
}

const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? [];

describe('HTTP front', () => {
  let t: TrackerServer;
  beforeEach(async () => {
    t = new TrackerServer({ host: '127.0.0.1', port: 0 });
    await t.listen();
  });
  afterEach(() => t.close());

  it('answers pipelined announces in order on one keep-alive connection', async () => {
    const c = await open(t.address().port);
    c.s.write(get(announceTarget(1)) + get(announceTarget(2)) + get('/scrape'));
    await until(() => statusLines(c.text()).length === 3);
    assert.deepEqual(statusLines(c.text()), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    assert.match(c.text(), /Connection: keep-alive\r\nKeep-Alive: timeout=15\r\n\r\nd8:completei0e10:incompletei1e/);
    assert.match(c.text(), /d5:filesd20:/);
    c.s.end();
    await c.closed;
  });

  it('a request split over two writes goes to node:http and gets the same kind of answer', async () => {
    const c = await open(t.address().port);
    const req = get(announceTarget(3), 'Connection: close\r\n');
    c.s.write(req.slice(0, 20));
    await new Promise((r) => setTimeout(r, 30));
    c.s.write(req.slice(20));
    await c.closed;
    assert.deepEqual(statusLines(c.text()), ['HTTP/1.1 200 OK']);
    assert.match(c.text(), /\r\n\r\nd8:completei0e10:incompletei1e8:intervali60e/);
  });

  it('other routes and methods reach node:http: the index, a catalog POST, a 404', async () => {
    const c = await open(t.address().port);
    c.s.write(get('/') + 'POST /catalog HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc' + get('/nothing', 'Connection: close\r\n'));
    await c.closed;
    assert.deepEqual(statusLines(c.text()), ['HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request', 'HTTP/1.1 404 Not Found']);
    assert.match(c.text(), /"name":"STA tracker"/);
    assert.match(c.text(), /\{"error":"not a valid \.torrent: /);
  });

  it('a failed announce is answered with a reason and the connection closed', async () => {
    const c = await open(t.address().port);
    c.s.write(get('/announce?port=1') + get(announceTarget(4)));
    await c.closed;
    assert.deepEqual(statusLines(c.text()), ['HTTP/1.1 400 Bad Request']);
    assert.match(c.text(), /Connection: close\r\n[^]*\r\n\r\nd14:failure reason20:info_hash is missinge$/);
  });

  it('close() ends connections held by the front and those handed to node:http', async () => {
    const held = await open(t.address().port);
    held.s.write(get(announceTarget(5)));
    const handed = await open(t.address().port);
    handed.s.write('POST /catalog HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nd4:');
    await until(() => statusLines(held.text()).length === 1);
    await t.close();
    await Promise.all([held.closed, handed.closed]);
  });
});
