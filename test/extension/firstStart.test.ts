// The first Start in a workspace asks once: "Share N files (X) from FOLDER with TRACKER?" — Share,
// Show Files (then asks again) or Cancel; the answer is kept per folder and tracker.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { freePort } from '../helpers/freePort';
import { answerFirstStart, catalogPaths, portIsFree, setUser, sharedPaths, staApi, startTracker, type TrackerChild } from './support';

const QUESTION = /^Share (\d+) files? \((.+)\) from (.+) with (.+)\?$/;

describe('the first Start in a workspace asks', function () {
  this.timeout(60_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let other: TrackerChild | undefined;
  let root: string;
  let port: number;

  before(async () => {
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fs.writeFileSync(path.join(root, 'first-start.txt'), 'to share\n');
    tracker = await startTracker();
    port = await freePort();
    await setUser('trackerUrl', tracker.announce);
    await setUser('bindAddress', '127.0.0.1');
    await setUser('listenPort', port);
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await setUser('listenPort', undefined);
    await tracker.stop();
    await other?.stop();
    fs.rmSync(path.join(root, 'first-start.txt'), { force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Cancel leaves STA off, nothing listening and nothing published', async () => {
    const q = answerFirstStart(api, undefined);
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), false);
    assert.strictEqual(q.asked.length, 1);
    const m = QUESTION.exec(q.asked[0].message);
    assert.ok(m, q.asked[0].message);
    assert.strictEqual(m[3], vscode.workspace.workspaceFolders![0].name);
    assert.strictEqual(m[4], tracker.announce);
    assert.match(q.asked[0].detail, /no team key: anyone who can reach it/);
    assert.strictEqual(api.service.running, false);
    assert.strictEqual(await portIsFree(port), true, `port ${port} is taken`);
    assert.deepStrictEqual(await catalogPaths(tracker.announce), []);
  });

  it('Show Files lists the relative paths, secrets left out, then asks again; Share shares exactly the N files it named', async () => {
    const q = answerFirstStart(api, 'showFiles', 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
    assert.strictEqual(q.asked.length, 2, 'asked again after the list');
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(text, /^first-start\.txt\t/m);
    assert.doesNotMatch(text, /\.npmrc|\.aws\/|\.env|settings\.json/);
    assert.strictEqual(api.service.running, true);
    const [, n] = QUESTION.exec(q.asked[1].message)!;
    const shared = sharedPaths(api);
    assert.strictEqual(shared.length, Number(n), `Shared: ${shared.join(', ')}`);
    assert.strictEqual(text.trim().split('\n').length - 1, Number(n), 'one line a file under the heading');
  });

  it('is not asked again for this folder and tracker', async () => {
    await vscode.commands.executeCommand('sta.stop');
    const q = answerFirstStart(api, undefined);
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
    assert.strictEqual(q.asked.length, 0);
    assert.strictEqual(api.service.running, true);
  });

  it('another tracker is asked about again', async () => {
    await vscode.commands.executeCommand('sta.stop');
    other = await startTracker();
    await setUser('trackerUrl', other.announce);
    const q = answerFirstStart(api, undefined);
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), false);
    assert.strictEqual(q.asked.length, 1);
    assert.ok(q.asked[0].message.endsWith(` with ${other.announce}?`));
    assert.strictEqual(api.service.running, false);
    await setUser('trackerUrl', tracker.announce);
  });
});
