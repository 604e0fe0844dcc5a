// `sta get` by info-hash or magnet link takes the .torrent from a catalog: a catalog that answers
// with another torrent than the one asked for is refused before anything is downloaded.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import { createTorrent, magnetUri, Metainfo, parseTorrent } from '../../src/core/metainfo';
import { makeTempDir } from '../helpers/files';
import { runGet } from '../helpers/sta';

describe('sta get: the fetched .torrent must hash to the info-hash asked for', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: Server;
  let announce = '';
  let wanted: Metainfo;
  let decoy: Metainfo;
  const asked: string[] = [];

  before(async () => {
    tmp = await makeTempDir('sta-metainfo-');
    await fsp.writeFile(join(tmp.dir, 'report.pdf'), 'the real report');
    await fsp.writeFile(join(tmp.dir, 'report.exe'), 'something else entirely');
    wanted = await createTorrent(join(tmp.dir, 'report.pdf'));
    decoy = await createTorrent(join(tmp.dir, 'report.exe'));
    // a catalog that answers every .torrent request with the decoy
    server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'application/x-bittorrent' });
      res.end(decoy.torrent);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    announce = `http://127.0.0.1:${(server.address() as AddressInfo).port}/announce`;
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await tmp?.cleanup();
  });

  // built once `before` has made the torrents and the server
  const cases: [string, () => string[]][] = [
    ['an info-hash', () => [wanted.infoHashHex, '--tracker', announce]],
    ['a magnet link', () => [magnetUri({ ...wanted, announceList: [[announce]] })]],
  ];

  for (const [what, args] of cases) {
    it(`refuses the decoy for ${what}: exit 1, a message naming both hashes, nothing written`, async () => {
      const [target, ...extra] = args();
      const out = join(tmp.dir, `out-${what.replace(/ /g, '-')}`);
      const got = await runGet([target, ...extra, '--out', out, '--timeout', '5'], 30_000);
      assert.equal(got.code, 1, got.stderr);
      assert.match(got.stderr, new RegExp(`hashes to ${decoy.infoHashHex}, not ${wanted.infoHashHex}`));
      assert.ok(asked.includes(`/catalog/${wanted.infoHashHex}.torrent`), `asked: ${asked}`);
      assert.ok(!got.events.some((e) => e.type === 'start'), 'a download was started');
      const listing = await fsp.readdir(out).catch(() => [] as string[]);
      assert.deepEqual(listing, []);
    });
  }
});

describe('Engine.seed: a torrent for a keyed tracker is private (BEP 27)', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await makeTempDir('sta-private-');
  });
  after(() => tmp?.cleanup());

  for (const [tracker, expected] of [
    ['http://127.0.0.1:9/0123456789abcdefKEY_-xyz/announce', true],
    ['http://127.0.0.1:9/announce', false],
  ] as const) {
    it(`${tracker} → private ${expected}`, async () => {
      const file = join(tmp.dir, `shared-${expected}.txt`);
      await fsp.writeFile(file, 'team notes');
      const engine = new Engine({ host: '127.0.0.1', port: 0, trackers: [tracker] });
      try {
        await engine.listen();
        const s = await engine.seed(file);
        assert.equal(s.meta.private, expected);
        assert.equal(parseTorrent(s.meta.torrent).private, expected, 'the .torrent others get says so too');
      } finally {
        await engine.close();
      }
    });
  }
});

