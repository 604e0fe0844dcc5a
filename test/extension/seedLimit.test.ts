// Seeding limits in VS Code: with sta.seedRatioLimit 1, a finished download seeds until it has sent its own size
// to a teammate, then stops; the Transfers row says why and how much went out, and the file stays.
import * as assert from 'assert';
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { answerFirstStart, sha256, EXTENSION_ID, type SeederChild, setUser, staApi, startSeeder, startTracker, type TrackerChild, useTracker, waitFor } from './support';

describe('Seeding limits: a download stops seeding at sta.seedRatioLimit', function () {
  this.timeout(180_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let seeder: SeederChild | undefined;
  let tmp: string;
  let root: string;
  const bytes = randomBytes(3 * 1024 * 1024 + 123);

  before(async () => {
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-seedlimit-'));
    fs.mkdirSync(path.join(tmp, 'team'));
    fs.writeFileSync(path.join(tmp, 'team', 'ratio-limited.bin'), bytes);
    tracker = await startTracker();
    seeder = await startSeeder(path.join(tmp, 'team', 'ratio-limited.bin'), tracker.announce, path.join(tmp, 'cache'));
    await useTracker(tracker.announce);
    await setUser('seedRatioLimit', 1);
    answerFirstStart(api, 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await setUser('seedRatioLimit', undefined);
    await seeder?.stop();
    await tracker?.stop();
    fs.rmSync(path.join(root, 'ratio-limited.bin'), { force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('seeds to a teammate until it sent its size, then the row says "Seeding stopped (ratio … reached)"; the file stays', async () => {
    const infoHash = seeder!.infoHash;
    await vscode.commands.executeCommand('sta.update');
    const row = await waitFor('the file in the catalog', () => api.service.catalog.files.find((f) => f.infoHash === infoHash));
    await vscode.commands.executeCommand('sta.request', row);
    await waitFor('the download to finish', () => api.service.transfers.get(infoHash)?.done, 60_000);
    // the teammate who shared it leaves: a newcomer can only get it from us
    await seeder!.stop();
    seeder = undefined;
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const out = path.join(tmp, 'newcomer');
    const newcomer = spawn(process.execPath, [cli, 'get', infoHash, '--tracker', tracker.announce, '--out', out, '--host', '127.0.0.1', '--timeout', '90'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', XDG_CACHE_HOME: path.join(tmp, 'cache2') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    newcomer.stderr!.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => newcomer.once('exit', r));
    assert.strictEqual(code, 0, `sta get exited ${code}: ${err}`);
    assert.strictEqual(sha256(fs.readFileSync(path.join(out, 'ratio-limited.bin'))), sha256(bytes), 'the newcomer got every byte from us');

    const stopped = await waitFor('the seeding limit', () => api.service.transfers.get(infoHash)?.seedingStopped, 30_000);
    assert.match(stopped, /^Seeding stopped \(ratio 1(\.\d+)? reached\)$/);
    const item = await waitFor('the row to say so', () => api.transfers.getChildren().find((i) => i.label === 'ratio-limited.bin' && /Seeding stopped/.test(String(i.description))));
    assert.match(String(item.description), /^Seeding stopped \(ratio 1(\.\d+)? reached\) · 3\.\d MiB sent$/);
    assert.strictEqual(api.service.transfers.get(infoHash)!.session, undefined, 'no longer seeding');
    assert.strictEqual(sha256(fs.readFileSync(path.join(root, 'ratio-limited.bin'))), sha256(bytes), 'the file stays in the workspace');
  });
});
