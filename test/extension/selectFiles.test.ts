// Selective download in VS Code: a multi-file torrent opened from a .torrent lists its files (all picked) before
// the question; the user keeps 2 of 3 and exactly those land, byte for byte, the third never written. The same
// from the catalog: a teammate's folder shared as one torrent, requested from its Tracker Files row; its next
// version (↻) updates the same one file, the others still not written.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { createFolderTorrent, Engine } from '../../src/core/api';
import type { LinkOutcome } from '../../src/extension/commands/openLink';
import type { StaApi } from '../../src/extension/extension';
import {
  answerFirstStart,
  catalogPaths,
  downloaded,
  httpGet,
  type SeederChild,
  sha256,
  staApi,
  startSeeder,
  startTracker,
  type TrackerChild,
  treeFiles,
  useTracker,
  waitFor,
} from './support';

describe('Selective download: some files of a folder torrent', function () {
  this.timeout(180_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let engine: Engine;
  let seeder: SeederChild | undefined;
  let tmp: string;
  let root: string;
  const files: Record<string, Buffer> = { 'a[1].bin': randomBytes(300_001), 'disc 2/b.bin': randomBytes(200_003), 'z.bin': randomBytes(250_007) };

  before(async () => {
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-select-'));
    const dir = path.join(tmp, 'pick-album');
    for (const [rel, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), bytes);
    }
    tracker = await startTracker();
    const meta = await createFolderTorrent(dir, { announce: tracker.announce });
    engine = new Engine({ host: '127.0.0.1', port: 0, trackers: [tracker.announce] });
    await engine.listen();
    await engine.seed(dir, { meta });
    fs.writeFileSync(path.join(tmp, 'pick-album.torrent'), meta.torrent);
    await useTracker(tracker.announce);
    answerFirstStart(api, 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await seeder?.stop();
    await engine?.close();
    await tracker?.stop();
    fs.rmSync(path.join(root, 'pick-album'), { recursive: true, force: true });
    fs.rmSync(path.join(root, 'team-album'), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the files are offered (all picked), two kept: exactly those two on disk, the third absent', async () => {
    const offered: { path: string; length: number }[][] = [];
    const asked: string[] = [];
    api.links.pickFiles = async (meta) => (offered.push(meta.files.map((f) => ({ path: f.path, length: f.length }))), ['a[1].bin', 'disc 2/b.bin']);
    api.links.confirm = async (message) => (asked.push(message), true);
    const torrent = vscode.Uri.file(path.join(tmp, 'pick-album.torrent'));
    const outcome = await vscode.commands.executeCommand<LinkOutcome>('sta.openLink', torrent);
    assert.deepStrictEqual(outcome, { status: 'downloading', shownAs: 'pick-album' });
    assert.deepStrictEqual(offered, [Object.entries(files).map(([p, b]) => ({ path: p, length: b.length }))]);
    assert.deepStrictEqual(asked, ['Download 2 of the 3 files of the folder pick-album (488.3 KiB) to pick-album/?']);
    const infoHash = api.service.transfers.values().find((t) => t.meta.name === 'pick-album')!.infoHash;
    await waitFor('the picked files downloaded', () => api.service.transfers.get(infoHash)?.done, 90_000);
    assert.strictEqual(sha256(path.join(root, 'pick-album', 'a[1].bin')), sha256(files['a[1].bin']));
    assert.strictEqual(sha256(path.join(root, 'pick-album', 'disc 2', 'b.bin')), sha256(files['disc 2/b.bin']));
    assert.strictEqual(fs.existsSync(path.join(root, 'pick-album', 'z.bin')), false, 'the file left unpicked is not written');
  });

  it('a folder shared as one torrent, requested from its catalog row: its files offered, the one kept lands alone', async () => {
    const team = path.join(tmp, 'team', 'team-album');
    for (const [rel, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(team, rel)), { recursive: true });
      fs.writeFileSync(path.join(team, rel), bytes);
    }
    seeder = await startSeeder(team, tracker.announce, path.join(tmp, 'cache'), ['--as-one', '--no-watch']);
    await waitFor('team-album in the catalog', async () => (await catalogPaths(tracker.announce)).includes('team-album'));
    const catalog = JSON.parse((await httpGet(tracker.announce.replace(/\/announce$/, '/catalog'))).body.toString());
    const row = (catalog.files as { path: string }[]).find((f) => f.path === 'team-album');
    const offered: string[][] = [];
    // Escape in the list: nothing downloaded, nothing more asked
    api.links.pickFiles = async (meta) => (offered.push(meta.files.map((f) => f.path)), undefined);
    await vscode.commands.executeCommand('sta.request', row);
    assert.strictEqual(api.service.transfers.get(seeder.infoHash), undefined, 'no transfer for a cancelled pick');
    assert.strictEqual(fs.existsSync(path.join(root, 'team-album')), false);
    api.links.pickFiles = async (meta) => (offered.push(meta.files.map((f) => f.path)), ['z.bin']);
    await vscode.commands.executeCommand('sta.request', row);
    assert.deepStrictEqual(offered, [Object.keys(files), Object.keys(files)], 'every file of the folder is offered');
    const infoHash = seeder.infoHash;
    await waitFor('the picked file downloaded', () => api.service.transfers.get(infoHash)?.done, 90_000);
    assert.strictEqual(sha256(path.join(root, 'team-album', 'z.bin')), sha256(files['z.bin']));
    assert.strictEqual(fs.existsSync(path.join(root, 'team-album', 'a[1].bin')), false, 'an unpicked file is not written');
    assert.strictEqual(fs.existsSync(path.join(root, 'team-album', 'disc 2')), false, 'nor its folder');
  });
  it('its next version is ↻ update available, and Request updates the one file kept, the others still not written', async () => {
    const team = path.join(tmp, 'team', 'team-album');
    await seeder?.stop();
    const z2 = Buffer.from(files['z.bin']);
    randomBytes(1000).copy(z2, 100_000);
    fs.writeFileSync(path.join(team, 'z.bin'), z2);
    fs.writeFileSync(path.join(team, 'a[1].bin'), randomBytes(300_001));
    seeder = await startSeeder(team, tracker.announce, path.join(tmp, 'cache2'), ['--as-one', '--no-watch']);
    const v2 = seeder.infoHash;
    const row = await waitFor('team-album marked ↻ update available', async () => {
      await api.service.catalog.refresh();
      const r = treeFiles(api.trackerFiles).find((x) => x.path === 'team-album' && (x.item as { file?: { infoHash: string } }).file?.infoHash === v2)?.item;
      return r && /· ↻ update available$/.test(String(r.description)) && r;
    });
    api.links.pickFiles = async () => assert.fail('the files kept before are kept again, without asking');
    await vscode.commands.executeCommand('sta.request', row);
    const t = await downloaded(api, v2);
    assert.strictEqual(t.path, path.join(root, 'team-album'));
    assert.strictEqual(sha256(path.join(root, 'team-album', 'z.bin')), sha256(z2));
    assert.strictEqual(fs.existsSync(path.join(root, 'team-album', 'a[1].bin')), false, 'a file not kept before is not written now');
    assert.ok(t.progress.reusedBytes > 0, 'z.bin\'s unchanged pieces reused');
  });
});
