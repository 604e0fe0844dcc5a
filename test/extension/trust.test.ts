// The test workspace is a hostile clone (see test/e2e/runExtensionTests.js): secrets in it, and a
// .vscode/settings.json with sta.exclude: [], sta.autoStart: true and its own sta.trackerUrl.
// The user starts STA on their own tracker: no secret is shared, nothing reaches the repository's tracker.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { answerFirstStart, catalogPaths, httpGet, setUser, sharedPaths, staApi, startTracker, type TrackerChild, waitFor } from './support';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SECRET_FILES } = require('../e2e/fixtures/secretFiles') as { SECRET_FILES: Record<string, string> };

describe('a repository cannot decide what leaves, or where to', function () {
  this.timeout(60_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let root: string;
  const own = ['trust-notes.md', 'logs/debug.log'];

  before(async () => {
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tracker = await startTracker();
    await setUser('trackerUrl', tracker.announce);
    await setUser('bindAddress', '127.0.0.1');
    // the user's own exclude; the workspace says [] and must not take it away
    await setUser('exclude', ['**/*.log']);
    for (const rel of own) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), `${rel}\n`);
    }
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await setUser('exclude', undefined);
    await tracker.stop();
    for (const rel of own) fs.rmSync(path.join(root, rel), { force: true });
    fs.rmSync(path.join(root, 'logs'), { recursive: true, force: true });
  });

  it('Start shares neither secrets nor the user\'s excluded files, with the user\'s tracker only', async () => {
    const questions = answerFirstStart(api, 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
    assert.strictEqual(questions.asked.length, 1);
    assert.ok(questions.asked[0].message.endsWith(` with ${tracker.announce}?`), questions.asked[0].message);
    assert.strictEqual(api.service.trackerUrl, tracker.announce);
    const shared = sharedPaths(api);
    assert.ok(shared.includes('trust-notes.md'), `Shared: ${shared.join(', ')}`);
    assert.deepStrictEqual(shared.filter((p) => p in SECRET_FILES || p.endsWith('.log') || p.startsWith('.vscode/')), []);
    const listed = await waitFor('the catalog to list trust-notes.md', async () => {
      const paths = await catalogPaths(tracker.announce);
      return paths.includes('trust-notes.md') && paths;
    });
    assert.deepStrictEqual(listed.filter((p) => p in SECRET_FILES || p.endsWith('.log')), []);
    const hostileSeen = JSON.parse((await httpGet(process.env.STA_E2E_HOSTILE_TRACKER!.replace(/\/announce$/, '/__seen'))).body.toString());
    assert.deepStrictEqual(hostileSeen, []);
  });

  it('Share via STA on a secret file refuses it', async () => {
    await vscode.commands.executeCommand('sta.shareFile', vscode.Uri.file(path.join(root, '.npmrc')));
    assert.ok(!sharedPaths(api).includes('.npmrc'), 'the .npmrc is not shared');
    assert.ok(!(await catalogPaths(tracker.announce)).includes('.npmrc'));
  });
});
