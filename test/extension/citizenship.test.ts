// VS Code citizenship: no status bar item while STA is off with nothing to show, a palette that offers what makes
// sense now, settings that apply while running (or ask for a restart), spoken labels on the status bar.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { freePort } from '../helpers/freePort';
import { answerFirstStart, EXTENSION_ID, setUser, sharedPaths, staApi, startTracker, type TrackerChild, useTracker, waitFor } from './support';
import { paletteCommands } from './whenClause';

const ROW_ONLY = ['sta.pauseTransfer', 'sta.resumeTransfer', 'sta.cancelTransfer', 'sta.revealTransfer', 'sta.copyMagnet', 'sta.exportTorrent'];

describe('VS Code citizenship', function () {
  this.timeout(60_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let dir: string;
  const pkg = () => vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;

  before(async () => {
    api = await staApi();
    dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'citizen');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'shared\n');
    fs.writeFileSync(path.join(dir, 'build.log'), 'excluded later\n');
    tracker = await startTracker();
    await useTracker(tracker.announce);
    answerFirstStart(api, 'share');
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await setUser('listenPort', undefined);
    await setUser('catalogRefreshSeconds', undefined);
    await setUser('exclude', undefined);
    await tracker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows no STA item in the status bar while off with no transfer, and one while running', async () => {
    assert.strictEqual(api.service.running, false);
    assert.deepStrictEqual(api.service.transfers.values(), []);
    assert.strictEqual(api.statusBar.visible, false);
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
    await waitFor('the item in the status bar', () => api.statusBar.visible, 5000);
    assert.match(api.statusBar.item.text, /\$\(radio-tower\) STA$/);
    await waitFor('notes.txt shared', () => sharedPaths(api).includes('citizen/notes.txt'));
    assert.match(api.statusBar.item.accessibilityInformation!.label, /^STA running, sharing \d+ files?$/);
    assert.ok(api.statusBar.item.tooltip instanceof vscode.MarkdownString, 'the tooltip is Markdown');
  });

  it('the palette offers Stop and Update while running, Start and Start Local Tracker while off, row commands never', () => {
    const running = paletteCommands(pkg(), { 'sta.running': true, 'sta.localTrackerRunning': true });
    const off = paletteCommands(pkg(), { 'sta.running': false, 'sta.localTrackerRunning': false });
    for (const id of ['sta.stop', 'sta.update', 'sta.stopLocalTracker']) {
      assert.ok(running.includes(id), `${id} while running`);
      assert.ok(!off.includes(id), `${id} hidden while off`);
    }
    for (const id of ['sta.start', 'sta.startLocalTracker']) {
      assert.ok(off.includes(id), `${id} while off`);
      assert.ok(!running.includes(id), `${id} hidden while running`);
    }
    for (const id of ROW_ONLY) assert.ok(!running.includes(id) && !off.includes(id), `${id} only on view rows`);
    assert.ok(running.includes('sta.request') && off.includes('sta.showLog'));
    // Share via STA works on the active editor's file: offered only when that is a file on disk in a trusted workspace
    // (a remote workbench, code-server here, rewrites `resourceScheme == file` to the remote's scheme: read the clause as it is)
    const share = pkg().contributes.menus.commandPalette.find((m: { command: string }) => m.command === 'sta.shareFile');
    assert.match(share.when, /resourceScheme == /, 'Share via STA follows the active editor\'s file');
    assert.match(share.when, /isWorkspaceTrusted/);
    assert.ok(!running.includes('sta.shareFile'), 'no editor: no Share via STA');
    assert.ok(!paletteCommands(pkg(), { resourceScheme: 'untitled', isWorkspaceTrusted: true }).includes('sta.shareFile'));
  });

  it('a changed catalog refresh interval applies while STA runs', async () => {
    const port = api.service.listenPort;
    await setUser('catalogRefreshSeconds', 2);
    await waitFor('the catalog polled every 2 s', () => api.service.catalog.refreshSeconds === 2, 5000);
    assert.strictEqual(api.service.listenPort, port, 'no restart');
  });

  it('a changed sta.exclude scans the workspace again: the newly excluded file leaves Shared', async () => {
    await waitFor('build.log shared', () => sharedPaths(api).includes('citizen/build.log'));
    await setUser('exclude', ['**/*.log']);
    await waitFor('build.log withdrawn', () => !sharedPaths(api).includes('citizen/build.log'), 15_000);
    await waitFor('notes.txt shared again', () => sharedPaths(api).includes('citizen/notes.txt'), 15_000);
    assert.strictEqual(api.service.running, true);
  });

  it('a changed peer port asks for a restart, and Restart STA listens on it', async () => {
    const asked: { message: string; buttons: string[] }[] = [];
    api.settingsChanges.ask = async (message, ...buttons) => {
      asked.push({ message, buttons });
      return 'Restart STA';
    };
    const port = await freePort();
    await setUser('listenPort', port);
    await waitFor('STA on the new port', () => api.service.listenPort === port, 15_000);
    assert.deepStrictEqual(asked, [{ message: 'STA: The setting sta.listenPort changed; it applies when STA restarts.', buttons: ['Restart STA'] }]);
  });
});
