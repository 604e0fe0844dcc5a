// Runs inside the VS Code extension host (see test/extension/index.ts).
import * as assert from 'assert';
import * as vscode from 'vscode';

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
});
