// The whole user story inside a real VS Code extension host: Start Local Tracker (answering the
// first-Start question), a teammate's headless `sta share` with the invite, the file in Tracker
// Files, Request, the status bar, bytes on disk, Stop.
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { freePort } from '../helpers/freePort';
import { answerFirstStart, sha256, setUser, sharedPaths, treeFiles } from './support';

const EXTENSION_ID = 'sta-founders.sta';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('sharing a file between a headless peer and the editor', function () {
  this.timeout(120_000);
  let api: StaApi;
  let seeder: ChildProcess | undefined;
  let tmp: string;
  let workspace: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<StaApi>(EXTENSION_ID)!;
    api = await ext.activate();
    workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-ext-'));
    // user settings: the workspace's own .vscode/settings.json cannot set the machine-scoped ones
    await setUser('localTrackerPort', await freePort());
    await setUser('bindAddress', '127.0.0.1');
    await setUser('localTrackerOnLan', false);
    await setUser('catalogRefreshSeconds', 1);
    answerFirstStart(api, 'share');
  });

  after(async () => {
    if (seeder?.pid && seeder.exitCode === null) {
      seeder.kill('SIGTERM');
      await new Promise((r) => seeder!.once('exit', r));
    }
    await vscode.commands.executeCommand('sta.stop');
    await vscode.commands.executeCommand('sta.stopLocalTracker');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is off until Start: nothing listens, nothing is shared', () => {
    assert.strictEqual(api.service.running, false);
    assert.strictEqual(api.service.listenPort, undefined);
    assert.strictEqual(api.statusBar.visible, api.service.transfers.values().length > 0, 'an STA item in the status bar only with a transfer listed');
    assert.deepStrictEqual(api.shared.getChildren(), []);
  });

  it('STA: Start Local Tracker runs a tracker and starts sharing the workspace', async () => {
    fs.writeFileSync(path.join(workspace, 'notes.md'), '# team notes\n');
    fs.writeFileSync(path.join(workspace, '.env'), 'SECRET=1\n'); // excluded by default
    fs.writeFileSync(path.join(workspace, 'empty.txt'), ''); // nothing to share
    const ok = await vscode.commands.executeCommand<boolean>('sta.startLocalTracker');
    assert.strictEqual(ok, true);
    assert.ok(api.localTracker.running && api.localTracker.pid, 'the tracker child process runs');
    assert.strictEqual(api.service.running, true);
    assert.ok(api.service.listenPort! > 0);
    const url = vscode.workspace.getConfiguration('sta').get<string>('trackerUrl')!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/announce$/);
    await waitFor('notes.md in Shared', () => sharedPaths(api).includes('notes.md'));
    const shared = sharedPaths(api);
    assert.deepStrictEqual(shared, ['notes.md'], 'secrets, settings and empty files are never shared');
    await waitFor('the status bar to say running', () => /\$\(radio-tower\) STA$/.test(api.statusBar.item.text), 5000).catch((e: Error) => {
      throw new Error(`${e.message}; it says ${api.statusBar.item.text}`);
    });
    assert.strictEqual(api.statusBar.visible, true, 'the item shows while STA runs');
    assert.strictEqual(api.statusBar.item.accessibilityInformation?.label, 'STA running, sharing 1 file');
  });

  it('shows a file a headless peer shares in Tracker Files, downloads it on Request with progress in the status bar', async () => {
    const src = path.join(tmp, 'recording-2026.bin');
    fs.writeFileSync(src, randomBytes(24 * 1024 * 1024 + 4321));
    // the teammate joins with the invite: the local tracker has a team key
    await vscode.commands.executeCommand('sta.copyInvite');
    const url = await vscode.env.clipboard.readText();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/announce$/);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    seeder = spawn(process.execPath, [cli, 'share', src, '--tracker', url, '--host', '127.0.0.1', '--max-upload-rate', '8M', '--json'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', XDG_CACHE_HOME: path.join(tmp, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await vscode.commands.executeCommand('sta.update');
    const item = await waitFor('the file in Tracker Files', () => treeFiles<any>(api.trackerFiles).find((r) => r.path === 'recording-2026.bin')?.item);
    assert.match(String(item.description), /24\.0 MiB · 1 seeding, 0 downloading · not in workspace$/);
    assert.strictEqual(item.iconPath.id, 'cloud');
    assert.match(item.accessibilityInformation.label, /^recording-2026\.bin, 24\.0 MB, not in workspace/);

    const texts = new Set<string>();
    const sample = setInterval(() => texts.add(api.statusBar.item.text), 50);
    try {
      await vscode.commands.executeCommand('sta.request', item);
      const transfer = await waitFor('the transfer to finish', () => {
        const t = api.service.transfers.get(item.file.infoHash);
        return t?.done && t;
      }, 60_000);
      assert.strictEqual(transfer.path, path.join(workspace, 'recording-2026.bin'));
      assert.strictEqual(sha256(transfer.path!), sha256(src));
      await waitFor('the status bar to say done', () => /STA: recording-2026\.bin done/.test(api.statusBar.item.text), 5000);
    } finally {
      clearInterval(sample);
    }
    assert.ok([...texts].some((t) => /\$\(cloud-download\) \d+% .*\/s · 1 peer/.test(t)), `status bar never showed progress: ${[...texts].join(' | ')}`);
    // what it now seeds is listed in Shared, exactly
    await waitFor('the download in Shared', () => sharedPaths(api).includes('recording-2026.bin'), 5000);
    assert.deepStrictEqual(sharedPaths(api), ['notes.md', 'recording-2026.bin']);
    // the Transfers view shows it finished and seeding; Tracker Files marks it as in the workspace
    const row = api.transfers.getChildren().find((i) => i.label === 'recording-2026.bin')!;
    assert.match(String(row.description), /100% · seeding/);
    assert.match(row.accessibilityInformation!.label, /^recording-2026\.bin, downloaded, seeding, .* per second up, .* sent, \d+ peers?$/);
    await vscode.commands.executeCommand('sta.update');
    const marked = await waitFor('the in-workspace mark', () => {
      const row = treeFiles<any>(api.trackerFiles).find((r) => r.path === 'recording-2026.bin')?.item;
      return /· ✓ in workspace$/.test(String(row?.description)) && row;
    });
    assert.strictEqual(marked.iconPath.id, 'pass-filled');
    assert.match(marked.accessibilityInformation.label, /in workspace, same content/);
    assert.strictEqual(marked.contextValue, 'remoteFile:local');
  });

  it('STA: Stop closes the peer port and the catalog polling', async () => {
    const port = api.service.listenPort!;
    assert.strictEqual(await portIsFree(port), false, 'the peer port is open while running');
    await vscode.commands.executeCommand('sta.stop');
    assert.strictEqual(api.service.running, false);
    assert.strictEqual(await portIsFree(port), true, `port ${port} is still taken after Stop`);
    await waitFor('the status bar to say off', () => /STA: off/.test(api.statusBar.item.text), 5000);
    assert.strictEqual(api.statusBar.visible, true, 'the finished download is still listed in Transfers');
  });

  it('STA: Stop Local Tracker ends the tracker process', async () => {
    const pid = api.localTracker.pid!;
    await vscode.commands.executeCommand('sta.stopLocalTracker');
    await waitFor('the tracker process to exit', () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000);
  });
});
