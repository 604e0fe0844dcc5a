// Runs inside the VS Code extension host (see test/extension/index.ts).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { httpGet, sleep, staApi } from './support';

const EXTENSION_ID = 'sta-founders.sta';

describe('extension activation', () => {
  it('is installed in the extension host', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
    assert.strictEqual(ext.packageJSON.publisher, 'sta-founders');
    assert.strictEqual(ext.packageJSON.name, 'sta');
  });

  it('activates without throwing', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers every command it contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const contributed: string[] = (ext.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, [], `contributed but not registered after activation: ${missing.join(', ')}`);
  });

  it('runs with the test workspace folder open', () => {
    assert.strictEqual(vscode.workspace.workspaceFolders?.length, 1);
  });

  it('a repository\'s .vscode/settings.json cannot auto-start STA nor reach the tracker it names', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const hostile = JSON.parse(fs.readFileSync(path.join(root, '.vscode', 'settings.json'), 'utf8'));
    assert.strictEqual(hostile['sta.autoStart'], true, 'the workspace asks for auto-start');
    assert.strictEqual(hostile['sta.trackerUrl'], process.env.STA_E2E_HOSTILE_TRACKER);
    const api = await staApi();
    await sleep(3000); // an auto-start would have probed, listened and announced by now
    assert.strictEqual(api.service.running, false);
    assert.strictEqual(api.service.listenPort, undefined);
    const seen = JSON.parse((await httpGet(process.env.STA_E2E_HOSTILE_TRACKER!.replace(/\/announce$/, '/__seen'))).body.toString());
    assert.deepStrictEqual(seen, [], 'requests that reached the repository\'s tracker');
    assert.notStrictEqual(vscode.workspace.getConfiguration('sta').get('trackerUrl'), process.env.STA_E2E_HOSTILE_TRACKER);
  });
});
