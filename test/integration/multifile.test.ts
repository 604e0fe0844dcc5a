// Multi-file torrents (BEP 3 `files`) between STA and real clients on loopback: a folder made into a
// torrent by mktorrent and seeded by aria2c lands in STA as DIR/<name>/<paths>; a folder STA seeds
// lands in aria2c the same way; every file's SHA-256 is compared with its source. Hostile file lists
// are refused by `sta get` with a clear reason, and nothing is written.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { encode } from '../../src/core/bencode';
import { parseTorrent } from '../../src/core/metainfo';
import { requireClient, startAria2, startTransmission } from '../helpers/clients';
import { scratchPerTest, sha256File, writeRandomFile } from '../helpers/files';
import { freePort } from '../helpers/freePort';
import { run, waitForExit } from '../helpers/processes';
import { httpGet } from '../helpers/http';
import { CLI, runGet, startSta, startTrackerChild } from '../helpers/sta';
import { waitFor } from '../helpers/wait';

const KiB = 1024;
/** path → size: pieces straddle files; an empty file, a hidden one, nested folders, a name with a space */
const LAYOUT: [string, number][] = [
  ['README.md', 3 * KiB + 7],
  ['data/big.bin', 3 * 1024 * KiB + 123],
  ['data/empty.txt', 0],
  ['data/nested/deep/small.dat', 100],
  ['docs/guide v2.txt', 70 * KiB],
  ['.hidden', 11],
];

async function makeFolder(root: string): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  for (const [p, size] of LAYOUT) {
    await fsp.mkdir(join(root, p, '..'), { recursive: true });
    await writeRandomFile(join(root, p), size);
    sums.set(p, await sha256File(join(root, p)));
  }
  return sums;
}

/** Every file of LAYOUT in `folder` with its source's size and SHA-256 (`withEmpty` false: Transmission 3 never creates empty files). */
async function assertSameFiles(folder: string, sums: Map<string, string>, withEmpty = true): Promise<void> {
  for (const [p, size] of LAYOUT) {
    if (size === 0 && !withEmpty) continue;
    const st = await fsp.stat(join(folder, p));
    assert.equal(st.size, size, `${p}: size`);
    assert.equal(await sha256File(join(folder, p)), sums.get(p), `${p}: SHA-256`);
  }
}

describe('multi-file torrents with real clients (loopback)', function () {
  this.timeout(90_000);
  const scratch = scratchPerTest('sta-multifile-');
  const track = scratch.track;
  let dir: string;
  beforeEach(() => (dir = scratch.dir));

  it('mktorrent folder seeded by aria2c → sta get lands it as OUT/<name>/<paths>, every file verified', async () => {
    requireClient('aria2c', 'mktorrent');
    const seedDir = join(dir, 'seed');
    const out = join(dir, 'out');
    await fsp.mkdir(out);
    const sums = await makeFolder(join(seedDir, 'album'));
    const tracker = track(await startTrackerChild(['--interval', '2', '--min-interval', '1']));
    const torrentPath = join(dir, 'album.torrent');
    const mk = await run('mktorrent', ['-p', '-a', tracker.announce, '-l', '16', '-o', torrentPath, 'album'], { cwd: seedDir, timeoutMs: 20_000 });
    assert.equal(mk.code, 0, `mktorrent: ${mk.stderr}`);
    const meta = parseTorrent(await fsp.readFile(torrentPath));
    assert.equal(meta.multiFile, true);
    assert.equal(meta.files.length, LAYOUT.length);

    track(startAria2({ torrent: torrentPath, dir: seedDir, port: await freePort(), seed: true }));
    const get = await runGet([torrentPath, '--out', out, '--timeout', '60'], 75_000);
    assert.equal(get.code, 0, `sta get exit ${get.code}\n${get.stderr.slice(-3000)}`);
    const done = get.events.find((e) => e.type === 'complete');
    assert.ok(done, 'no "complete" event');
    assert.equal(done.path, join(await fsp.realpath(out), 'album'));
    await assertSameFiles(join(out, 'album'), sums);
    assert.deepEqual(await fsp.readdir(out), ['album'], 'no partial file or .sta left behind');
  });

  it('sta get --select: only the matching files of an aria2c-seeded folder are written, each verified', async () => {
    requireClient('aria2c', 'mktorrent');
    const seedDir = join(dir, 'seed');
    const out = join(dir, 'out');
    await fsp.mkdir(out);
    const sums = await makeFolder(join(seedDir, 'album'));
    const tracker = track(await startTrackerChild(['--interval', '2', '--min-interval', '1']));
    const torrentPath = join(dir, 'album.torrent');
    const mk = await run('mktorrent', ['-p', '-a', tracker.announce, '-l', '16', '-o', torrentPath, 'album'], { cwd: seedDir, timeoutMs: 20_000 });
    assert.equal(mk.code, 0, `mktorrent: ${mk.stderr}`);
    track(startAria2({ torrent: torrentPath, dir: seedDir, port: await freePort(), seed: true }));

    const bad = await runGet([torrentPath, '--out', out, '--select', 'nope/**', '--timeout', '10'], 30_000);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--select "nope\/\*\*" matches no file of album/);
    assert.deepEqual(await fsp.readdir(out), []);

    const get = await runGet([torrentPath, '--out', out, '--select', 'data/nested/**', '--select', 'README.md', '--timeout', '60'], 75_000);
    assert.equal(get.code, 0, `sta get exit ${get.code}\n${get.stderr.slice(-3000)}`);
    const selected = ['README.md', 'data/nested/deep/small.dat'];
    for (const p of selected) assert.equal(await sha256File(join(out, 'album', p)), sums.get(p), p);
    for (const [p] of LAYOUT.filter(([p]) => !selected.includes(p))) await assert.rejects(fsp.stat(join(out, 'album', p)), /ENOENT/, `${p} not created`);
  });

  it('sta create (mktorrent\'s info-hash) + an STA seed of the folder → aria2c gets every file', async () => {
    requireClient('aria2c', 'mktorrent');
    const srcParent = join(dir, 'src');
    const out = join(dir, 'out');
    await fsp.mkdir(out);
    const sums = await makeFolder(join(srcParent, 'album'));
    const tracker = track(await startTrackerChild(['--interval', '2', '--min-interval', '1']));
    const torrentPath = join(dir, 'album.torrent');
    const created = await run(
      process.execPath,
      [CLI, 'create', join(srcParent, 'album'), '--tracker', tracker.announce, '--piece-length', '65536', '--private', '-o', torrentPath, '--json'],
      { timeoutMs: 30_000 },
    );
    assert.equal(created.code, 0, created.stderr);
    const mkPath = join(dir, 'mk.torrent');
    const mk = await run('mktorrent', ['-p', '-a', tracker.announce, '-l', '16', '-o', mkPath, 'album'], { cwd: srcParent, timeoutMs: 20_000 });
    assert.equal(mk.code, 0, mk.stderr);
    const ih = parseTorrent(await fsp.readFile(torrentPath)).infoHashHex;
    assert.equal(ih, parseTorrent(await fsp.readFile(mkPath)).infoHashHex, 'sta create and mktorrent disagree on the info-hash');
    assert.equal(JSON.parse(created.stdout).infoHash, ih);

    // the folder is already complete where `sta get` would put it: it verifies it and seeds
    const seed = track(startSta(['get', torrentPath, '--out', srcParent, '--seed', '--host', '127.0.0.1']));
    const complete = await seed.waitEvent((e) => e.type === 'complete', 'the seed verified the folder', 30_000);
    assert.equal(complete.reason, 'already have it');
    const aria = track(startAria2({ torrent: torrentPath, dir: out, port: await freePort(), seed: false }));
    const code = await waitForExit(aria.child, 60_000).catch((e) => `${e.message}`);
    assert.equal(code, 0, `aria2c exit ${code}\n${aria.stdout().slice(-3000)}\n${aria.stderr().slice(-3000)}\nsta: ${seed.stderr().slice(-2000)}`);
    await assertSameFiles(join(out, 'album'), sums);
  });

  it('sta share DIR --as-one publishes one torrent (secrets left out): sta get by name and aria2c both get every file', async () => {
    requireClient('aria2c');
    const srcParent = join(dir, 'src');
    const sums = await makeFolder(join(srcParent, 'album'));
    await fsp.writeFile(join(srcParent, 'album', '.env'), 'API_KEY=secret');
    const tracker = track(await startTrackerChild(['--interval', '2', '--min-interval', '1']));
    const share = track(startSta(['share', join(srcParent, 'album'), '--as-one', '--tracker', tracker.announce, '--host', '127.0.0.1']));
    const sharing = await share.waitEvent((e) => e.type === 'sharing', 'the folder shared', 30_000);
    assert.equal(sharing.files, LAYOUT.length);
    assert.ok(share.events.some((e) => e.type === 'skipped' && String(e.path).endsWith('/.env')), 'the secret file is reported as skipped');
    const torrent = (await waitFor(
      'the .torrent in the catalog',
      async () => {
        const r = await httpGet(`${tracker.catalog}/${sharing.infoHash}.torrent`, 3000).catch(() => undefined);
        return r?.status === 200 ? r.body : undefined;
      },
      15_000,
      100,
    ))!;
    const meta = parseTorrent(torrent);
    assert.deepEqual(meta.files.map((f) => f.path).sort(), LAYOUT.map(([p]) => p).sort());

    const outSta = join(dir, 'out-sta');
    const get = await runGet(['album', '--tracker', tracker.announce, '--out', outSta, '--timeout', '40'], 60_000);
    assert.equal(get.code, 0, `sta get exit ${get.code}\n${get.stderr.slice(-3000)}`);
    await assertSameFiles(join(outSta, 'album'), sums);
    await assert.rejects(fsp.stat(join(outSta, 'album', '.env')), /ENOENT/);

    const outAria = join(dir, 'out-aria');
    await fsp.mkdir(outAria);
    const torrentPath = join(dir, 'catalog.torrent');
    await fsp.writeFile(torrentPath, torrent);
    const aria = track(startAria2({ torrent: torrentPath, dir: outAria, port: await freePort(), seed: false }));
    const code = await waitForExit(aria.child, 60_000).catch((e) => `${e.message}`);
    assert.equal(code, 0, `aria2c exit ${code}\n${aria.stdout().slice(-3000)}\n${aria.stderr().slice(-3000)}`);
    await assertSameFiles(join(outAria, 'album'), sums);
  });

  it('an STA seed of a folder → transmission-cli gets every file (it dials no loopback peer: the seed dials it)', async () => {
    requireClient('transmission-cli');
    const srcParent = join(dir, 'src');
    const sums = await makeFolder(join(srcParent, 'album'));
    const tracker = track(await startTrackerChild(['--interval', '1', '--min-interval', '1']));
    const torrentPath = join(dir, 'album.torrent');
    const createArgs = [CLI, 'create', join(srcParent, 'album'), '--tracker', tracker.announce, '--private', '-o', torrentPath, '--json'];
    const created = await run(process.execPath, createArgs, { timeoutMs: 30_000 });
    assert.equal(created.code, 0, created.stderr);
    const seed = track(startSta(['get', torrentPath, '--out', srcParent, '--seed', '--host', '127.0.0.1']));
    await seed.waitEvent((e) => e.type === 'complete', 'the seed verified the folder', 30_000);

    const marker = join(dir, 'transmission-done');
    const dl = join(dir, 'tr-download');
    const configDir = join(dir, 'tr-config');
    const tr = track(await startTransmission({ torrent: torrentPath, configDir, downloadDir: dl, port: await freePort(), markerPath: marker }));
    const finished = (await waitFor(
      'transmission-cli done script',
      async () => {
        if (tr.child.exitCode !== null || tr.child.signalCode !== null) {
          throw new Error(`transmission-cli exited early (${tr.child.exitCode ?? tr.child.signalCode}): ${tr.stderr().slice(-3000)}`);
        }
        return fsp.readFile(marker, 'utf8').catch(() => undefined);
      },
      60_000,
      100,
    ).catch((e) => {
      throw new Error(`${e.message}\ntransmission: ${tr.stdout().slice(-1500)}\n${tr.stderr().slice(-1500)}\nseed: ${seed.stderr().slice(-1500)}`);
    }))!;
    assert.equal(finished.trim(), join(dl, 'album'));
    await assertSameFiles(join(dl, 'album'), sums, false);
  });

  describe('hostile file lists: refused with a clear reason, nothing written', () => {
    const PL = 16 * KiB;
    const torrentOf = (files: [unknown, number][], name: unknown = 'evil') => {
      const total = files.reduce((n, [, l]) => n + l, 0);
      const info = {
        files: files.map(([path, length]) => ({ length, path })),
        name,
        'piece length': PL,
        pieces: Buffer.alloc(Math.max(1, Math.ceil(total / PL)) * 20),
      };
      return encode({ announce: 'http://127.0.0.1:9/announce', info });
    };
    const cases: [string, Buffer, RegExp][] = [
      ['a ".." part', torrentOf([[['..', '..', 'escaped.txt'], 10]]), /unsafe file name .*"\.\."/],
      ['an absolute path', torrentOf([[['/etc/cron.d/x'], 10]]), /separator/],
      ['a NUL byte', torrentOf([[['a\0.txt'], 10]]), /NUL/],
      ['an empty path', torrentOf([[[], 10]]), /path must be a non-empty list/],
      ['duplicate paths', torrentOf([[['a'], 10], [['a'], 10]]), /collides/],
      ['paths that differ only in case', torrentOf([[['Notes.txt'], 10], [['notes.TXT'], 10]]), /collides .*without case/],
      ['a file where a folder must be', torrentOf([[['a'], 10], [['a', 'b'], 10]]), /needs a folder where the file "a" is/],
      ['a deep path', torrentOf([[Array(40).fill('d'), 10]]), /40 folders deep/],
      ['an unsafe torrent name', torrentOf([[['a'], 10]], '..'), /info\.name/],
    ];
    for (const [what, torrent, why] of cases) {
      it(what, async () => {
        const out = join(dir, 'out');
        await fsp.mkdir(out);
        const torrentPath = join(dir, 'evil.torrent');
        await fsp.writeFile(torrentPath, torrent);
        const r = await runGet([torrentPath, '--out', out, '--timeout', '5'], 30_000);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, why);
        assert.deepEqual(await fsp.readdir(out), [], 'nothing written in the download folder');
        assert.deepEqual((await fsp.readdir(dir)).sort(), ['evil.torrent', 'out'], 'nothing written beside it');
      });
    }
  });
});
