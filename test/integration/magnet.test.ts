// Magnet links both ways with real clients on loopback (BEP 9 over BEP 10): `sta get magnet:` fetches
// the torrent's metadata from aria2c seeders (through opentracker, and through an STA tracker whose
// catalog does not have it), aria2c and transmission-cli fetch it from STA seeders, and STA from
// STA. Every file that lands is compared (SHA-256) with its source.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import { infoDictOf } from '../../src/core/magnet/infoDict';
import { createTorrent, magnetUri, Metainfo } from '../../src/core/metainfo';
import { pct } from '../helpers/announce';
import { bdecodeRawKeys } from '../helpers/bencodeRawKeys';
import { aria2Flags, ClientProc, requireClient, spawnLogged, startAria2, startOpentracker, startTransmission } from '../helpers/clients';
import { scratchPerTest, sha256File, writeRandomFile } from '../helpers/files';
import { freePort } from '../helpers/freePort';
import { httpGet } from '../helpers/http';
import { waitForExit } from '../helpers/processes';
import { startSeeder, startSta, startTrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

const MiB = 1 << 20;

describe('magnet links with real clients (BEP 9, loopback)', function () {
  this.timeout(90_000);
  const scratch = scratchPerTest('sta-magnet-');
  const track = scratch.track;
  let dir: string;
  beforeEach(() => (dir = scratch.dir));

  /** A random file in `dir/src` and its private torrent announcing to `announce`. */
  async function sourceFile(name: string, size: number, announce: string): Promise<{ file: string; want: string; meta: Metainfo }> {
    const src = join(dir, 'src');
    await fsp.mkdir(src, { recursive: true });
    const file = join(src, name);
    await writeRandomFile(file, size);
    const meta = await createTorrent(file, { announce, private: true });
    return { file, want: await sha256File(file), meta };
  }

  /** An in-process STA engine seeding `meta` from `file` to `trackers`. */
  async function staSeeder(file: string, meta: Metainfo, trackers: string[]): Promise<Engine> {
    const engine = new Engine({ host: '127.0.0.1', trackers });
    track({ stop: () => engine.close() });
    await engine.listen();
    await engine.download(meta, join(file, '..')); // the file is there already: "already have it", then seeding
    return engine;
  }

  /** `sta get MAGNET`, to its end: exit code, events, stderr. */
  async function staGetMagnet(magnet: string, out: string) {
    const get = track(startSta(['get', magnet, '--out', out, '--host', '127.0.0.1', '--timeout', '60']));
    const code = await waitForExit(get.child, 75_000).catch((e) => `${e.message}`);
    return { code, events: get.events, stderr: get.stderr() };
  }

  /** aria2c seeding `torrent` from the folder that holds its file. */
  async function aria2Seeder(meta: Metainfo, file: string): Promise<ClientProc> {
    const torrentPath = join(dir, `${meta.infoHashHex}.torrent`);
    await fsp.writeFile(torrentPath, meta.torrent);
    return track(startAria2({ torrent: torrentPath, dir: join(file, '..'), port: await freePort(), seed: true }));
  }

  it('aria2c seeds, `sta get magnet:` with only opentracker fetches the metadata from it and downloads', async () => {
    requireClient('aria2c', 'opentracker');
    const otPort = await freePort();
    const announce = `http://127.0.0.1:${otPort}/announce`;
    const { file, want, meta } = await sourceFile('from-aria2-by-magnet.bin', 8 * MiB, announce);
    await opentrackerAt(otPort, meta.infoHashHex);
    const aria = await aria2Seeder(meta, file);
    await new Promise((r) => setTimeout(r, 1500)); // aria2 checks the file and announces on its 1 s tick

    const out = join(dir, 'out');
    const link = magnetUri(meta);
    assert.match(link, /^magnet:\?xt=urn:btih:[0-9a-f]{40}&dn=from-aria2-by-magnet\.bin&xl=8388608&tr=http/);
    const got = await staGetMagnet(link, out);
    assert.equal(got.code, 0, `sta get exit ${got.code}\n${got.stderr.slice(-3000)}\naria2: ${aria.stdout().slice(-1500)}`);
    assert.match(got.stderr, /fetching the torrent's metadata from peers/);
    assert.match(got.stderr, /metadata of from-aria2-by-magnet\.bin \(\d+ bytes\) verified/);
    assert.equal(await sha256File(join(out, 'from-aria2-by-magnet.bin')), want);
    const done = got.events.find((e) => e.type === 'complete');
    assert.ok(done, 'no "complete" event');
    const fromAria = Object.entries(done.fromPeers as Record<string, number>).filter(([id]) => Buffer.from(id, 'hex').toString('latin1').startsWith('A2-'));
    assert.ok(fromAria.some(([, bytes]) => bytes > 0), `no bytes from aria2: ${JSON.stringify(done.fromPeers)}`);
  });

  it('aria2c seeds to an STA tracker whose catalog lacks the torrent: the catalog\'s 404 sends `sta get magnet:` to the peers', async () => {
    requireClient('aria2c');
    const tracker = track(await startTrackerChild(['--interval', '1', '--min-interval', '1']));
    const { file, want, meta } = await sourceFile('not-in-the-catalog.bin', 3 * MiB, tracker.announce);
    await aria2Seeder(meta, file);
    await new Promise((r) => setTimeout(r, 1500));
    const out = join(dir, 'out');
    const got = await staGetMagnet(`magnet:?xt=urn:btih:${meta.infoHashHex}&tr=${encodeURIComponent(tracker.announce)}`, out);
    assert.equal(got.code, 0, `sta get exit ${got.code}\n${got.stderr.slice(-3000)}`);
    assert.match(got.stderr, /fetching the torrent's metadata from peers/);
    assert.equal(await sha256File(join(out, 'not-in-the-catalog.bin')), want);
  });

  it('STA seeds a private torrent, `aria2c magnet:` fetches the metadata from STA and downloads the file intact', async () => {
    requireClient('aria2c', 'opentracker');
    const otPort = await freePort();
    const announce = `http://127.0.0.1:${otPort}/announce`;
    const { file, want, meta } = await sourceFile('to-aria2-by-magnet.bin', 6 * MiB, announce);
    await opentrackerAt(otPort, meta.infoHashHex);
    await staSeeder(file, meta, [announce]);

    const out = join(dir, 'aria-out');
    await fsp.mkdir(out);
    const ariaPort = await freePort();
    const aria = track(spawnLogged('aria2c', [...aria2Flags(ariaPort), '--seed-time=0', '--bt-save-metadata=true', `--dir=${out}`, magnetUri(meta)]));
    const code = await waitForExit(aria.child, 60_000).catch((e) => `${e.message}`);
    assert.equal(code, 0, `aria2c exit ${code}\n${aria.output().slice(-3000)}`);
    assert.equal(await sha256File(join(out, 'to-aria2-by-magnet.bin')), want);
    // --bt-save-metadata: aria2 wrote the metadata it got from STA as a .torrent; its info dict is ours, byte for byte
    const saved = await fsp.readFile(join(out, `${meta.infoHashHex}.torrent`));
    assert.ok(saved.includes(infoDictOf(meta)!), 'the saved metadata differs from the seeded info dict');
  });

  it('STA seeds a private torrent, `transmission-cli magnet:` fetches the metadata from STA (the seeder dials it) and downloads', async () => {
    requireClient('transmission-cli', 'opentracker');
    // opentracker: a magnet leecher in Transmission announces left=2^63-1, which `sta tracker` refuses (HTTP 400)
    const otPort = await freePort();
    const announce = `http://127.0.0.1:${otPort}/announce`;
    const { file, want, meta } = await sourceFile('to-transmission-by-magnet.bin', 4 * MiB, announce);
    const ot = await opentrackerAt(otPort, meta.infoHashHex);
    const marker = join(dir, 'transmission-done');
    const dl = join(dir, 'tr-download');
    const tr = track(
      await startTransmission({ torrent: magnetUri(meta), configDir: join(dir, 'tr-config'), downloadDir: dl, port: await freePort(), markerPath: marker }),
    );
    // Transmission never dials loopback peers: the seeder must learn of it from its first announce, and dial
    await waitFor('transmission-cli at opentracker', async () => (await scrapeCounts(ot.scrape, meta.infoHash)).incomplete >= 1, 20_000, 200);
    await staSeeder(file, meta, [announce]);
    const finished = await waitFor(
      'transmission-cli done script',
      async () => {
        if (tr.child.exitCode !== null || tr.child.signalCode !== null) throw new Error(`transmission-cli exited early: ${tr.stderr().slice(-3000)}`);
        return fsp.readFile(marker, 'utf8').catch(() => undefined);
      },
      60_000,
      100,
    ).catch((e) => {
      throw new Error(`${e.message}\ntransmission: ${tr.stdout().slice(-2000)}\n${tr.stderr().slice(-2000)}`);
    });
    assert.equal(finished!.trim(), join(dl, 'to-transmission-by-magnet.bin'));
    assert.equal(await sha256File(join(dl, 'to-transmission-by-magnet.bin')), want);
  });

  it('STA → STA: `sta share` seeds, `sta get magnet:` (opentracker only) fetches the metadata and the file', async () => {
    requireClient('opentracker');
    const otPort = await freePort();
    const announce = `http://127.0.0.1:${otPort}/announce`;
    const src = join(dir, 'src');
    await fsp.mkdir(src);
    const file = join(src, 'sta-to-sta.bin');
    await writeRandomFile(file, 5 * MiB);
    const want = await sha256File(file);
    const meta = await createTorrent(file, { announce }); // what `sta share` builds: the same info dict
    await opentrackerAt(otPort, meta.infoHashHex);
    const share = track(await startSeeder([file], announce, [], { XDG_CACHE_HOME: join(dir, 'cache') }));
    assert.deepEqual(share.infoHashes, [meta.infoHashHex]);
    const out = join(dir, 'out');
    // base32 btih, as some clients write it
    const b32 = base32(meta.infoHash);
    const got = await staGetMagnet(`magnet:?xt=urn:btih:${b32}&dn=ignored-name&tr=${encodeURIComponent(announce)}`, out);
    assert.equal(got.code, 0, `sta get exit ${got.code}\n${got.stderr.slice(-3000)}\nshare: ${share.stderr().slice(-1500)}`);
    assert.match(got.stderr, /metadata of sta-to-sta\.bin \(\d+ bytes\) verified/);
    assert.equal(await sha256File(join(out, 'sta-to-sta.bin')), want, 'the name comes from the verified metadata, not dn=');
    const done = got.events.find((e) => e.type === 'complete');
    assert.ok((done?.fromPeers[share.peerId] ?? 0) >= 5 * MiB, `not from the STA seeder: ${JSON.stringify(done?.fromPeers)}`);
  });

  async function opentrackerAt(port: number, infoHashHex: string): Promise<{ scrape: string }> {
    const otDir = join(dir, 'opentracker');
    await fsp.mkdir(otDir);
    return track(await startOpentracker({ dir: otDir, port, infoHashes: [infoHashHex] }));
  }
});

/** {complete, incomplete} of one torrent in a scrape (0s when absent). */
async function scrapeCounts(scrapeUrl: string, infoHash: Buffer): Promise<{ complete: number; incomplete: number }> {
  const r = await httpGet(`${scrapeUrl}?info_hash=${pct(infoHash)}`, 3000).catch(() => undefined);
  if (!r || r.status !== 200) return { complete: 0, incomplete: 0 };
  const e = bdecodeRawKeys(r.body)?.files?.[infoHash.toString('latin1')];
  return { complete: e?.complete ?? 0, incomplete: e?.incomplete ?? 0 };
}

function base32(b: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of b) bits += byte.toString(2).padStart(8, '0');
  return bits.match(/.{5}/g)!.map((g) => alphabet[parseInt(g, 2)]).join('');
}
