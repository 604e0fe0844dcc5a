// `sta tracker` (a child process) while clients pipeline requests and never read the answers:
// its memory stays bounded and an honest announce is still answered at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { announceQuery, peerId } from '../helpers/announce';
import { httpGet, httpRequest } from '../helpers/http';
import { rssBytes } from '../helpers/processes';
import { startTrackerChild, TrackerChild } from '../helpers/sta';
import { sleep } from '../helpers/wait';
import { torrentOf } from '../unit/core/tracker/fixtures';

const MiB = 2 ** 20;

describe('tracker under unread pipelined requests (child process)', function () {
  this.timeout(60_000);
  let t: TrackerChild;
  const socks: Socket[] = [];

  before(async () => {
    t = await startTrackerChild();
  });
  after(async () => {
    for (const s of socks) s.destroy();
    await t?.stop();
  });

  it('pipelined GET /catalog and /scrape that are never read: RSS bounded, honest announces answered in < 500 ms (seconds if stuck behind them)', async () => {
    // a catalog of 500 files with long paths: a list of about 300 KB
    for (let i = 0; i < 500; i++) {
      const m = torrentOf(`file-${i}.bin`, 1000 + i);
      const r = await httpRequest('POST', `${t.catalog}?path=${'d'.repeat(200)}/file-${i}.bin`, m.torrent);
      assert.equal(r.status, 201, r.body.toString());
    }
    for (let i = 0; i < 1000; i++) await httpGet(`${t.announce}?${announceQuery({ infoHash: randomBytes(20), peerId: peerId(), port: 7000 })}`);
    const listBytes = (await httpGet(t.catalog)).body.length;
    assert.ok(listBytes > 250_000, `list of ${listBytes} bytes`);
    const rss0 = rssBytes(t.pid);
    for (const path of ['/catalog', '/scrape']) {
      for (let c = 0; c < 4; c++) {
        const s = connect(t.port, '127.0.0.1');
        s.on('error', () => undefined);
        socks.push(s);
        await new Promise((resolve) => s.once('connect', resolve));
        s.pause(); // never read
        s.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`.repeat(2000));
      }
    }
    let worst = 0;
    let rssMax = rss0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await httpGet(`${t.announce}?${announceQuery({ infoHash: randomBytes(20), peerId: peerId(), port: 7001 })}`);
      worst = Math.max(worst, performance.now() - t0);
      assert.equal(r.status, 200);
      rssMax = Math.max(rssMax, rssBytes(t.pid));
      await sleep(150);
    }
    const mib = (b: number) => (b / MiB).toFixed(0);
    console.log(`      list ${(listBytes / 1024).toFixed(0)} KiB; RSS ${mib(rss0)} → max ${mib(rssMax)} MiB; worst honest announce ${worst.toFixed(1)} ms`);
    assert.ok(rssMax - rss0 < 48 * MiB, `RSS grew by ${((rssMax - rss0) / MiB).toFixed(0)} MiB`);
    assert.ok(worst < 500, `an honest announce took ${worst.toFixed(0)} ms`);
  });
});
