// A multi-root workspace (folders alpha and beta, opened from a .code-workspace): one Start shares every folder,
// each file under its folder's name; a folder added while STA runs is shared, a removed one withdrawn from the
// catalog; a catalog path that names one of the window's folders lands in it, any other in the first folder;
// a second folder named alpha publishes as `alpha (2)` and takes that path's downloads.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../../src/extension/extension';
import {
  answerFirstStart,
  catalogPaths,
  downloaded,
  type Questions,
  type SeederChild,
  setUser,
  sha256,
  sharedPaths,
  staApi,
  startSeeder,
  startTracker,
  type TrackerChild,
  treeFiles,
  useTracker,
  waitFor,
} from '../support';

/** Resolves at the next change of the window's folders. */
function foldersChange(): Promise<vscode.WorkspaceFoldersChangeEvent> {
  return new Promise((resolve) => {
    const sub = vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      sub.dispose();
      resolve(e);
    });
  });
}

describe('a multi-root workspace', function () {
  this.timeout(120_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let seeder: SeederChild | undefined;
  let questions: Questions;
  let tmp: string;
  let alpha: string;
  let beta: string;

  before(async () => {
    api = await staApi();
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.deepStrictEqual(folders.map((f) => f.name), ['alpha', 'beta'], 'the suite runs in the alpha + beta workspace');
    [alpha, beta] = folders.map((f) => f.uri.fsPath);
    fs.writeFileSync(path.join(alpha, 'a.txt'), 'alpha notes\n');
    fs.mkdirSync(path.join(beta, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(beta, 'docs', 'b.txt'), 'beta docs\n');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-multi-'));
    tracker = await startTracker();
    await useTracker(tracker.announce);
    await setUser('catalogRefreshSeconds', 1);
    questions = answerFirstStart(api, 'share');
  });

  after(async () => {
    await seeder?.stop();
    await vscode.commands.executeCommand('sta.stop');
    await tracker.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Start asks once for both folders and shares both, each path under its folder\'s name', async () => {
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
    assert.strictEqual(questions.asked.length, 1);
    assert.match(questions.asked[0].message, /^Share 2 files \(.+\) from alpha and beta with /);
    await waitFor('both files in Shared', () => ['alpha/a.txt', 'beta/docs/b.txt'].every((p) => sharedPaths(api).includes(p)));
    await waitFor('both in the catalog', async () => {
      const paths = await catalogPaths(tracker.announce);
      return paths.includes('alpha/a.txt') && paths.includes('beta/docs/b.txt');
    });
    await vscode.commands.executeCommand('sta.update');
    const rows = await waitFor('both in Tracker Files', () => {
      const r = treeFiles(api.trackerFiles);
      return r.length >= 2 && r;
    });
    assert.deepStrictEqual(rows.map((r) => r.path).sort(), ['alpha/a.txt', 'beta/docs/b.txt']);
    assert.ok(rows.every((r) => /· ✓ in workspace$/.test(String(r.item.description))), 'both marked as in the workspace');
    assert.strictEqual(api.service.listenPort !== undefined, true, 'one engine, one port');
  });

  it('a folder added while STA runs is shared once the user agrees; removed, its files leave the catalog', async () => {
    const gamma = path.join(tmp, 'gamma');
    fs.mkdirSync(gamma);
    fs.writeFileSync(path.join(gamma, 'c.txt'), 'gamma data\n');
    const added = foldersChange();
    assert.strictEqual(vscode.workspace.updateWorkspaceFolders(2, 0, { uri: vscode.Uri.file(gamma), name: 'gamma' }), true);
    await added;
    await waitFor('gamma/c.txt in the catalog', async () => (await catalogPaths(tracker.announce)).includes('gamma/c.txt'));
    assert.strictEqual(questions.asked.length, 2, 'asked about the new folder');
    assert.match(questions.asked[1].message, /^Share 1 file \(.+\) from gamma with /);
    assert.ok(sharedPaths(api).includes('gamma/c.txt'));

    const removed = foldersChange();
    assert.strictEqual(vscode.workspace.updateWorkspaceFolders(2, 1), true);
    await removed;
    await waitFor('gamma/c.txt gone from Shared', () => !sharedPaths(api).some((p) => p.startsWith('gamma/')));
    await waitFor('gamma/c.txt gone from the catalog', async () => !(await catalogPaths(tracker.announce)).includes('gamma/c.txt'));
    const still = await catalogPaths(tracker.announce);
    assert.ok(still.includes('alpha/a.txt') && still.includes('beta/docs/b.txt'), `the other folders stay: ${still.join(', ')}`);
  });

  it('a catalog path naming one of the folders lands in it; any other lands in the first folder', async () => {
    const team = path.join(tmp, 'teammate');
    fs.mkdirSync(path.join(team, 'beta', 'incoming'), { recursive: true });
    fs.mkdirSync(path.join(team, 'other'), { recursive: true });
    fs.writeFileSync(path.join(team, 'beta', 'incoming', 'x.bin'), randomBytes(300_000));
    fs.writeFileSync(path.join(team, 'other', 'y.bin'), randomBytes(200_000));
    seeder = await startSeeder(team, tracker.announce, path.join(tmp, 'cache'));
    const expected = [
      { catalog: 'beta/incoming/x.bin', file: path.join(beta, 'incoming', 'x.bin'), source: path.join(team, 'beta', 'incoming', 'x.bin') },
      { catalog: 'other/y.bin', file: path.join(alpha, 'other', 'y.bin'), source: path.join(team, 'other', 'y.bin') },
    ];
    for (const e of expected) {
      const row = await waitFor(`${e.catalog} in Tracker Files`, async () => {
        await api.service.catalog.refresh();
        return treeFiles(api.trackerFiles).find((r) => r.path === e.catalog)?.item as (vscode.TreeItem & { file: { infoHash: string } }) | undefined;
      });
      assert.match(String(row.description), /· not in workspace$/);
      await vscode.commands.executeCommand('sta.request', row);
      assert.ok(api.service.transfers.get(row.file.infoHash), `Request started no download of ${e.catalog}`);
      const t = await downloaded(api, row.file.infoHash, `${e.catalog} downloaded`, 60_000);
      assert.strictEqual(t.path, e.file);
      assert.strictEqual(sha256(e.file), sha256(e.source));
    }
  });
  it('a second folder named alpha publishes as alpha (2), is named so in the question, and gets that path\'s downloads', async () => {
    const other = path.join(tmp, 'elsewhere', 'alpha');
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'a.txt'), 'the other alpha\n');
    const asked = questions.asked.length;
    const added = foldersChange();
    assert.strictEqual(vscode.workspace.updateWorkspaceFolders(2, 0, { uri: vscode.Uri.file(other) }), true);
    assert.strictEqual((await added).added[0]?.name, 'alpha', 'VS Code names it after its folder, as the first');
    await waitFor('alpha (2)/a.txt in the catalog', async () => (await catalogPaths(tracker.announce)).includes('alpha (2)/a.txt'));
    assert.match(questions.asked[asked]?.message ?? '', /^Share 1 file \(.+\) from alpha \(2\) with /);
    const paths = await catalogPaths(tracker.announce);
    assert.ok(paths.includes('alpha/a.txt'), `the first alpha keeps its paths: ${paths.join(', ')}`);
    assert.ok(sharedPaths(api).includes('alpha (2)/a.txt') && sharedPaths(api).includes('alpha/a.txt'));

    const team = path.join(tmp, 'teammate2');
    fs.mkdirSync(path.join(team, 'alpha (2)'), { recursive: true });
    const source = path.join(team, 'alpha (2)', 'z.bin');
    fs.writeFileSync(source, randomBytes(150_000));
    await seeder?.stop();
    seeder = await startSeeder(team, tracker.announce, path.join(tmp, 'cache2'));
    const row = await waitFor('alpha (2)/z.bin in Tracker Files', async () => {
      await api.service.catalog.refresh();
      return treeFiles(api.trackerFiles).find((r) => r.path === 'alpha (2)/z.bin')?.item as (vscode.TreeItem & { file: { infoHash: string } }) | undefined;
    });
    await vscode.commands.executeCommand('sta.request', row);
    const t = await downloaded(api, row.file.infoHash, 'alpha (2)/z.bin downloaded', 60_000);
    assert.strictEqual(t.path, path.join(other, 'z.bin'), 'into the second alpha');
    assert.strictEqual(sha256(t.path), sha256(source));
    assert.ok(!fs.existsSync(path.join(alpha, 'z.bin')) && !fs.existsSync(path.join(alpha, 'alpha (2)')), 'nothing in the first alpha');

    const removed = foldersChange();
    assert.strictEqual(vscode.workspace.updateWorkspaceFolders(2, 1), true);
    await removed;
    await waitFor('alpha (2) gone from the catalog', async () => !(await catalogPaths(tracker.announce)).includes('alpha (2)/a.txt'));
  });
});
