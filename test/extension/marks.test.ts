// Tracker Files as a folder tree with marks: a file this workspace shares is "✓ in workspace"; a teammate's newer
// version of the same path is "↻ update available", and Request updates the file in place (reusing the pieces that
// match); a file not here is "not in workspace" and lands at its catalog path. Each mark by icon, words and spoken label.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { answerFirstStart, catalogPaths, downloaded, type SeederChild, setUser, sha256, staApi, startSeeder, startTracker } from './support';
import { type TrackerChild, treeFiles, useTracker, waitFor } from './support';

const MiB = 1024 * 1024;

describe('Tracker Files: folders and marks', function () {
  this.timeout(120_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let seeder: SeederChild | undefined;
  let tmp: string;
  let root: string;
  let v1: Buffer;
  let v2: Buffer;

  /** The Tracker Files row whose folders and name spell `p`. */
  const row = (p: string) => treeFiles<vscode.TreeItem>(api.trackerFiles).find((r) => r.path === p)?.item;
  const iconOf = (i: vscode.TreeItem) => (i.iconPath as vscode.ThemeIcon).id;

  before(async () => {
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-marks-'));
    // version 1 here; version 2 at a teammate's: the same first 2 MiB, a different last MiB
    v1 = randomBytes(3 * MiB);
    v2 = Buffer.concat([v1.subarray(0, 2 * MiB), randomBytes(MiB)]);
    fs.mkdirSync(path.join(root, 'marks'), { recursive: true });
    fs.writeFileSync(path.join(root, 'marks', 'config.bin'), v1);
    tracker = await startTracker();
    await useTracker(tracker.announce);
    await setUser('catalogRefreshSeconds', 1);
    answerFirstStart(api, 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
  });

  after(async () => {
    await seeder?.stop();
    await vscode.commands.executeCommand('sta.stop');
    await setUser('catalogRefreshSeconds', undefined);
    await setUser('listenPort', undefined);
    await tracker.stop();
    fs.rmSync(path.join(root, 'marks'), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a shared file sits in its folder row (count and size) and is marked ✓ in workspace', async () => {
    await waitFor('marks/config.bin in the catalog', async () => (await catalogPaths(tracker.announce)).includes('marks/config.bin'));
    await vscode.commands.executeCommand('sta.update');
    const file = await waitFor('the row marks/config.bin', () => row('marks/config.bin'));
    const folder = (api.trackerFiles.getChildren() as vscode.TreeItem[]).find((i) => i.label === 'marks')!;
    assert.strictEqual(folder.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.strictEqual(folder.description, '1 file · 3.0 MiB');
    assert.match(String(file.description), /· ✓ in workspace$/);
    assert.strictEqual(iconOf(file), 'pass-filled');
    assert.match(file.accessibilityInformation!.label, /^marks\/config\.bin, 3\.0 MB, in workspace, same content/);
  });

  it('a teammate\'s newer version of the path is ↻ update available; Request updates the file in place', async () => {
    const team = path.join(tmp, 'teammate');
    fs.mkdirSync(path.join(team, 'marks'), { recursive: true });
    fs.writeFileSync(path.join(team, 'marks', 'config.bin'), v2);
    fs.writeFileSync(path.join(team, 'marks', 'new.bin'), randomBytes(MiB + 17));
    seeder = await startSeeder(team, tracker.announce, path.join(tmp, 'cache'));
    const update = await waitFor('the update mark', async () => {
      await api.service.catalog.refresh();
      const r = row('marks/config.bin');
      return r && /· ↻ update available$/.test(String(r.description)) && r;
    });
    assert.strictEqual(iconOf(update), 'sync');
    assert.strictEqual(update.contextValue, 'remoteFile:update');
    assert.match(update.accessibilityInformation!.label, /update available/);
    const fresh = await waitFor('the row marks/new.bin', () => row('marks/new.bin'));
    assert.match(String(fresh.description), /· not in workspace$/);
    assert.strictEqual(iconOf(fresh), 'cloud');
    const folder = (api.trackerFiles.getChildren() as vscode.TreeItem[]).find((i) => i.label === 'marks')!;
    assert.match(String(folder.description), /^2 files · 4\.0 MiB$/);

    await vscode.commands.executeCommand('sta.request', update);
    const infoHash = (update as unknown as { file: { infoHash: string } }).file.infoHash;
    assert.ok(api.service.transfers.get(infoHash), 'Request started a download');
    const t = await downloaded(api, infoHash, 'the update to finish', 60_000);
    const file = path.join(root, 'marks', 'config.bin');
    assert.strictEqual(t.path, file, 'updated at its path, not beside it');
    assert.strictEqual(sha256(file), sha256(v2));
    assert.ok(t.progress.reusedBytes >= MiB, `pieces reused from version 1: ${t.progress.reusedBytes} bytes`);
    console.log(`      update: ${t.progress.reusedBytes} of ${v2.length} bytes reused from the older version, ${t.progress.downloaded} fetched`);
    assert.deepStrictEqual(fs.readdirSync(path.join(root, 'marks')).sort(), ['config.bin'], 'nothing beside it');
    await waitFor('the ✓ mark after the update', () => /· ✓ in workspace$/.test(String(row('marks/config.bin')?.description)));
  });

  it('a file not in the workspace lands at its catalog path', async () => {
    const fresh = row('marks/new.bin')!;
    await vscode.commands.executeCommand('sta.request', fresh);
    const infoHash = (fresh as unknown as { file: { infoHash: string } }).file.infoHash;
    assert.ok(api.service.transfers.get(infoHash), 'Request started a download');
    const t = await downloaded(api, infoHash, 'the download to finish', 60_000);
    assert.strictEqual(t.path, path.join(root, 'marks', 'new.bin'));
    assert.strictEqual(sha256(t.path), sha256(path.join(tmp, 'teammate', 'marks', 'new.bin')));
    await waitFor('the ✓ mark', () => /· ✓ in workspace$/.test(String(row('marks/new.bin')?.description)));
  });
});
