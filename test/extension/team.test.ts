// A team is whoever holds the tracker's key: Start Local Tracker makes one (kept in SecretStorage,
// handed to `sta tracker --key-file`), Copy Invite hands it out, Join Team takes a teammate's.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { freePort } from '../helpers/freePort';
import { answerFirstStart, catalogPaths, httpGet, setUser, staApi, startTracker, type TrackerChild, waitFor } from './support';

const KEYED = /^http:\/\/127\.0\.0\.1:(\d+)\/([0-9a-f]{32})\/announce$/;
const userTrackerUrl = () => vscode.workspace.getConfiguration('sta').inspect<string>('trackerUrl')?.globalValue;

describe('team keys', function () {
  this.timeout(60_000);
  let api: StaApi;
  let root: string;

  before(async () => {
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fs.writeFileSync(path.join(root, 'team-plan.md'), '# plan\n');
    await setUser('bindAddress', '127.0.0.1');
    await setUser('localTrackerOnLan', false);
    answerFirstStart(api, 'share');
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await vscode.commands.executeCommand('sta.stopLocalTracker');
    fs.rmSync(path.join(root, 'team-plan.md'), { force: true });
  });

  describe('STA: Start Local Tracker', () => {
    let port: number;
    let key: string;

    before(async () => {
      port = await freePort();
      await setUser('localTrackerPort', port);
    });

    it('makes a key, keeps it in SecretStorage, and runs a tracker on loopback that refuses whoever lacks it', async () => {
      assert.strictEqual(await vscode.commands.executeCommand('sta.startLocalTracker'), true);
      const m = KEYED.exec(api.localTracker.announceUrl ?? '');
      assert.ok(m, `keyed announce URL, got ${api.localTracker.announceUrl}`);
      key = m[2];
      assert.strictEqual(userTrackerUrl(), `http://127.0.0.1:${port}/announce`, 'settings hold the URL without the key');
      assert.strictEqual(await api.teamKeys.keyFor(userTrackerUrl()!), key, 'the key is in SecretStorage for that tracker');
      assert.strictEqual(api.service.trackerUrl, `http://127.0.0.1:${port}/announce`, 'what STA shows has no key');
      // the tracker: 403 without the key, the workspace's files with it
      const unkeyed = await httpGet(`http://127.0.0.1:${port}/catalog`);
      assert.strictEqual(unkeyed.status, 403);
      assert.doesNotMatch(unkeyed.body.toString(), /team-plan/);
      assert.strictEqual((await httpGet(`http://127.0.0.1:${port}/${'0'.repeat(32)}/catalog`)).status, 403, 'a wrong key');
      const keyed = `http://127.0.0.1:${port}/${key}/announce`;
      await waitFor('team-plan.md in the keyed catalog', async () => (await catalogPaths(keyed)).includes('team-plan.md'));
      // what STA published for a keyed tracker is private (BEP 27)
      const list = JSON.parse((await httpGet(`http://127.0.0.1:${port}/${key}/catalog`)).body.toString()).files as { path: string; infoHash: string }[];
      const torrent = await httpGet(`http://127.0.0.1:${port}/${key}/catalog/${list.find((f) => f.path === 'team-plan.md')!.infoHash}.torrent`);
      assert.ok(torrent.body.includes('7:privatei1e'), 'info.private = 1');
      // only this user can read the key file, and the tracker listens on loopback only
      const keyFile = api.localTracker.keyFile!;
      assert.strictEqual(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.strictEqual(fs.readFileSync(keyFile, 'utf8'), key);
      const lan = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
      if (lan) await assert.rejects(httpGet(`http://${lan.address}:${port}/${key}/catalog`), `reachable on ${lan.address}`);
    });

    it('STA: Copy Invite puts the keyed announce URL on the clipboard', async () => {
      await vscode.commands.executeCommand('sta.copyInvite');
      assert.strictEqual(await vscode.env.clipboard.readText(), `http://127.0.0.1:${port}/${key}/announce`);
    });

    it('the key file goes with the tracker; the next start uses the same key', async () => {
      const keyFile = api.localTracker.keyFile!;
      await vscode.commands.executeCommand('sta.stop');
      await vscode.commands.executeCommand('sta.stopLocalTracker');
      assert.strictEqual(fs.existsSync(keyFile), false, 'key file removed');
      assert.strictEqual(await vscode.commands.executeCommand('sta.startLocalTracker'), true);
      assert.strictEqual(KEYED.exec(api.localTracker.announceUrl!)?.[2], key);
      await vscode.commands.executeCommand('sta.stop');
      await vscode.commands.executeCommand('sta.stopLocalTracker');
    });
  });

  describe('STA: Join Team', () => {
    const teamKey = 'Team_Key-0123456789abcdefXYZ';
    let tracker: TrackerChild;
    let keyDir: string;
    let port: number;

    before(async () => {
      keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-team-'));
      fs.writeFileSync(path.join(keyDir, 'key'), teamKey, { mode: 0o600 });
      tracker = await startTracker(['--key-file', path.join(keyDir, 'key')]);
      port = Number(new URL(tracker.announce).port);
    });

    after(async () => {
      await tracker.stop();
      fs.rmSync(keyDir, { recursive: true, force: true });
    });

    it('refuses a URL without a key and changes nothing', async () => {
      const before = userTrackerUrl();
      assert.strictEqual(await vscode.commands.executeCommand('sta.joinTeam', `http://127.0.0.1:${port}/announce`), false);
      assert.strictEqual(userTrackerUrl(), before);
    });

    it('keeps the key in SecretStorage and the URL without it in user settings; Start then uses the keyed URL', async () => {
      const invite = `http://127.0.0.1:${port}/${teamKey}/announce`;
      assert.strictEqual(await vscode.commands.executeCommand('sta.joinTeam', invite), true);
      assert.strictEqual(userTrackerUrl(), `http://127.0.0.1:${port}/announce`);
      assert.strictEqual(await api.teamKeys.keyFor(userTrackerUrl()!), teamKey);
      assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
      assert.strictEqual(api.service.trackerUrl, `http://127.0.0.1:${port}/announce`);
      assert.doesNotMatch(String(api.statusBar.item.tooltip), new RegExp(teamKey));
      // announces and publishes went through the key: the team's catalog lists the workspace's file
      await waitFor('team-plan.md in the team catalog', async () => (await catalogPaths(invite)).includes('team-plan.md'));
      assert.strictEqual((await httpGet(`http://127.0.0.1:${port}/catalog`)).status, 403);
    });
  });
});
