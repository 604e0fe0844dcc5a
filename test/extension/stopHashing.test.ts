// STA: Stop during the first hashing pass of a big workspace returns at once, with nothing left listening.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { answerFirstStart, portIsFree, setUser, sleep, staApi, startTracker, type TrackerChild, waitFor, useTracker } from './support';

/** Sparse files: no disk used, but hashing 3 × 2 GiB of zeros takes several seconds. */
const BIG_FILES = 3;
const BIG_SIZE = 2 * 1024 ** 3;

describe('Stop while the workspace is being hashed', function () {
  this.timeout(60_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let dir: string;

  before(async () => {
    api = await staApi();
    dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'big-media');
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < BIG_FILES; i++) {
      const fd = fs.openSync(path.join(dir, `take-${i}.raw`), 'w');
      fs.ftruncateSync(fd, BIG_SIZE);
      fs.closeSync(fd);
    }
    tracker = await startTracker();
    await useTracker(tracker.announce);
    answerFirstStart(api, 'share');
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await setUser('listenPort', undefined);
    await tracker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns within about a second and frees the peer port', async () => {
    const started = vscode.commands.executeCommand('sta.start');
    await waitFor('STA to run', () => api.service.running, 20_000);
    const port = api.service.listenPort!;
    await sleep(300); // well into the first big file
    const bigShared = api.service.shares.entries().filter((e) => e.relPath.startsWith('big-media/')).length;
    assert.ok(bigShared < BIG_FILES, 'the hashing pass is still going');
    const t0 = Date.now();
    await vscode.commands.executeCommand('sta.stop');
    const took = Date.now() - t0;
    await started;
    assert.ok(took < 1500, `Stop took ${took} ms`);
    assert.strictEqual(api.service.running, false);
    assert.strictEqual(await portIsFree(port), true, `port ${port} still taken after Stop`);
  });
});
