// Links (issue 12): STA: Open Magnet Link or .torrent… and vscode://sta-founders.sta/get?magnet=…. A magnet whose
// torrent an STA catalog has lands at its catalog path; one whose tracker has no catalog (opentracker) gets its
// torrent from the peer (BEP 9) and lands at its name; a .torrent from the Explorer downloads too. Every download
// waits for the modal's Download; Cancel, a bad magnet and a URI of another form write nothing.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { createTorrent, Engine, magnetUri, type Metainfo } from '../../src/core/api';
import type { LinkOutcome } from '../../src/extension/commands/openLink';
import type { StaApi } from '../../src/extension/extension';
import { requireClient, startOpentracker } from '../helpers/clients';
import { freePort } from '../helpers/freePort';
import { answerFirstStart, sha256, catalogPaths, httpGet, type SeederChild, staApi, startSeeder, startTracker } from './support';
import { type TrackerChild, useTracker, waitFor } from './support';

describe('Links: magnets, .torrent files and vscode:// URIs', function () {
  this.timeout(180_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let seeder: SeederChild;
  let album: SeederChild | undefined;
  let opentracker: Awaited<ReturnType<typeof startOpentracker>>;
  let engine: Engine;
  let tmp: string;
  let root: string;
  /** catalog path → info-hash of the teammate's published files */
  const published = new Map<string, string>();
  const team = { a: randomBytes(1024 * 1024 + 5), b: randomBytes(300_000), c: randomBytes(70_000) };
  const peer = { magnet: randomBytes(2 * 1024 * 1024 + 3), torrent: randomBytes(500_000) };
  let peerMeta: { magnet: Metainfo; torrent: Metainfo };
  /** what the modal asked, and the answer the test gives in the user's place */
  let asked: { message: string; detail: string }[];
  let answer: boolean;
  /** the files a multi-file torrent's QuickPick listed; the test keeps every one picked, as it opens */
  let listed: string[][];

  const magnetOf = (p: string) => `magnet:?xt=urn:btih:${published.get(p)}&dn=${path.posix.basename(p)}&tr=${encodeURIComponent(tracker.announce)}`;
  const open = (arg: unknown) => vscode.commands.executeCommand<LinkOutcome>('sta.openLink', arg);
  const finished = (infoHash: string) => waitFor(`download ${infoHash} finished`, () => api.service.transfers.get(infoHash)?.done, 90_000);

  before(async () => {
    requireClient('opentracker');
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-links-'));
    // a teammate shares links/{a,b,c}.bin through the STA tracker (published: the catalog has them)
    tracker = await startTracker();
    fs.mkdirSync(path.join(tmp, 'team', 'links'), { recursive: true });
    for (const [n, bytes] of Object.entries(team)) fs.writeFileSync(path.join(tmp, 'team', 'links', `${n}.bin`), bytes);
    seeder = await startSeeder(path.join(tmp, 'team'), tracker.announce, path.join(tmp, 'cache'));
    await waitFor('links/*.bin in the catalog', async () => (await catalogPaths(tracker.announce)).length >= 3);
    const catalog = JSON.parse((await httpGet(tracker.announce.replace(/\/announce$/, '/catalog'))).body.toString());
    for (const f of catalog.files as { path: string; infoHash: string }[]) published.set(f.path, f.infoHash);
    // a stranger seeds two files on opentracker: no catalog anywhere has them
    fs.mkdirSync(path.join(tmp, 'peer'));
    const port = await freePort();
    const announce = `http://127.0.0.1:${port}/announce`;
    const metas: Metainfo[] = [];
    for (const [n, bytes] of Object.entries(peer)) {
      const file = path.join(tmp, 'peer', `links-${n}.bin`);
      fs.writeFileSync(file, bytes);
      metas.push(await createTorrent(file, { announce }));
    }
    peerMeta = { magnet: metas[0], torrent: metas[1] };
    fs.mkdirSync(path.join(tmp, 'ot'));
    opentracker = await startOpentracker({ dir: path.join(tmp, 'ot'), port, infoHashes: metas.map((m) => m.infoHashHex) });
    engine = new Engine({ host: '127.0.0.1', port: 0, trackers: [announce] });
    await engine.listen();
    for (const m of metas) await engine.seed(path.join(tmp, 'peer', m.name), { meta: m });

    await useTracker(tracker.announce);
    answerFirstStart(api, 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
  });

  beforeEach(() => {
    asked = [];
    answer = true;
    api.links.confirm = async (message, detail) => {
      asked.push({ message, detail });
      return answer;
    };
    listed = [];
    api.links.pickFiles = async (meta) => (listed.push(meta.files.map((f) => f.path)), meta.files.map((f) => f.path));
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await engine?.close();
    await album?.stop();
    await opentracker?.stop();
    await seeder?.stop();
    await tracker?.stop();
    const landed = ['links', 'links-magnet.bin', 'links-torrent.bin', 'links-torrent.torrent', 'links-album'];
    for (const p of landed) fs.rmSync(path.join(root, p), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a magnet the catalog knows: one question (name, size, where), then the file at its catalog path', async () => {
    const outcome = await open(magnetOf('links/a.bin'));
    assert.deepStrictEqual(outcome, { status: 'downloading', shownAs: 'links/a.bin' });
    assert.deepStrictEqual(asked.map((q) => q.message), ['Download a.bin (1.0 MiB) to links/a.bin?']);
    assert.doesNotMatch(asked[0].detail, /outside VS Code/);
    await finished(published.get('links/a.bin')!);
    assert.strictEqual(sha256(path.join(root, 'links', 'a.bin')), sha256(team.a));
    assert.strictEqual(api.service.transfers.get(published.get('links/a.bin')!)!.progress.verifiedBytes, team.a.length);
  });

  it('a magnet on a tracker without a catalog: the torrent from the peer, the file at its name', async () => {
    const meta = peerMeta.magnet;
    const outcome = await open(magnetUri(meta));
    assert.deepStrictEqual(outcome, { status: 'downloading', shownAs: 'links-magnet.bin' });
    assert.deepStrictEqual(asked.map((q) => q.message), ['Download links-magnet.bin (2.0 MiB) to links-magnet.bin?']);
    await finished(meta.infoHashHex);
    assert.strictEqual(sha256(path.join(root, 'links-magnet.bin')), sha256(peer.magnet));
  });

  it('a folder\'s magnet (one multi-file torrent): the question names the folder and its file count; it lands as a folder', async () => {
    const dir = path.join(tmp, 'links-album');
    const files: Record<string, Buffer> = { 'one.txt': Buffer.from('one\n'), 'sub/two.bin': randomBytes(400_000), 'three.bin': randomBytes(123_457) };
    for (const [rel, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), bytes);
    }
    album = await startSeeder(dir, tracker.announce, path.join(tmp, 'cache-album'), ['--as-one']);
    const outcome = await open(`magnet:?xt=urn:btih:${album.infoHash}&dn=links-album&tr=${encodeURIComponent(tracker.announce)}`);
    assert.deepStrictEqual(outcome, { status: 'downloading', shownAs: 'links-album' });
    assert.deepStrictEqual(listed, [['one.txt', 'sub/two.bin', 'three.bin'].sort()], 'its files offered to pick, before the question');
    assert.deepStrictEqual(asked.map((q) => q.message), ['Download the folder links-album (3 files, 511.2 KiB) to links-album/?']);
    await finished(album.infoHash);
    for (const [rel, bytes] of Object.entries(files)) assert.strictEqual(sha256(path.join(root, 'links-album', rel)), sha256(bytes), rel);
  });

  it('a .torrent file from the Explorer downloads after the same question', async () => {
    const meta = peerMeta.torrent;
    const torrentFile = path.join(root, 'links-torrent.torrent');
    fs.writeFileSync(torrentFile, meta.torrent);
    const outcome = await open(vscode.Uri.file(torrentFile));
    assert.deepStrictEqual(outcome, { status: 'downloading', shownAs: 'links-torrent.bin' });
    assert.deepStrictEqual(asked.map((q) => q.message), ['Download links-torrent.bin (488.3 KiB) to links-torrent.bin?']);
    await finished(meta.infoHashHex);
    assert.strictEqual(sha256(path.join(root, 'links-torrent.bin')), sha256(peer.torrent));
  });

  it('vscode://sta-founders.sta/get?magnet=… asks, saying the link came from outside, then downloads', async () => {
    const uri = vscode.Uri.parse(`vscode://sta-founders.sta/get?magnet=${encodeURIComponent(magnetOf('links/b.bin'))}`);
    const outcome = await api.links.handleUri(uri);
    assert.deepStrictEqual(outcome, { status: 'downloading', shownAs: 'links/b.bin' });
    assert.strictEqual(asked.length, 1);
    assert.match(asked[0].detail, /opened from outside VS Code/);
    await finished(published.get('links/b.bin')!);
    assert.strictEqual(sha256(path.join(root, 'links', 'b.bin')), sha256(team.b));
  });

  it('Cancel in the question writes nothing', async () => {
    answer = false;
    const outcome = await open(magnetOf('links/c.bin'));
    assert.deepStrictEqual(outcome, { status: 'cancelled' });
    assert.strictEqual(asked.length, 1);
    assert.strictEqual(api.service.transfers.get(published.get('links/c.bin')!), undefined);
    assert.strictEqual(fs.existsSync(path.join(root, 'links', 'c.bin')), false);
    assert.strictEqual(fs.existsSync(path.join(root, '.sta', `${published.get('links/c.bin')}.part`)), false);
  });

  it('a bad magnet, or a vscode:// URI of any other form, says why and asks nothing', async () => {
    const bad = await open('magnet:?xt=urn:btih:1234&dn=x.bin');
    assert.strictEqual(bad.status, 'failed');
    assert.match(bad.message!, /^STA: this is not a magnet link STA can open: This magnet link has no BitTorrent v1 info-hash/);
    const torrentUrl = await api.links.handleUri(vscode.Uri.parse('vscode://sta-founders.sta/get?torrent=http%3A%2F%2F127.0.0.1%2Fx.torrent'));
    assert.strictEqual(torrentUrl.status, 'failed');
    assert.match(torrentUrl.message!, /STA opens only links of the form vscode:\/\/…\/get\?magnet=<url-encoded magnet link>/);
    const other = await api.links.handleUri(vscode.Uri.parse('vscode://sta-founders.sta/share?path=%2Fetc'));
    assert.match(other.message!, /this one asks for \/share/);
    assert.strictEqual(asked.length, 0);
    assert.strictEqual(fs.existsSync(path.join(root, 'x.bin')), false);
  });
});
