// Share Folder via STA: a workspace folder published as ONE multi-file torrent (secrets and node_modules left out,
// and the question says so), one row in Shared, its magnet link copied, and a plain BitTorrent peer downloading it:
// every file byte for byte, the secret absent. A file changed afterwards stops the seed; the row says so.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Engine, formatBytes, type TorrentSession } from '../../src/core/api';
import type { StaApi } from '../../src/extension/extension';
import type { SharedEntry } from '../../src/extension/model/workspaceShares';
import type { SharedItem } from '../../src/extension/views/sharedView';
import { answerFirstStart, sha256, staApi, startTracker, type TrackerChild, treeFiles, useTracker, waitFor } from './support';

describe('Share Folder via STA: a folder as one torrent', function () {
  this.timeout(180_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let tmp: string;
  let dir: string;
  const engines: Engine[] = [];
  const files = { 'a.bin': randomBytes(700_000 + 13), 'docs/b.txt': Buffer.from('the plan\n'.repeat(4000)) };
  let asked: { message: string; detail: string }[] = [];

  const row = (name = 'as-one') => treeFiles<SharedItem>(api.shared as never).find((r) => r.path === name && r.item.entry.files !== undefined)?.item;

  async function leech(entry: SharedEntry, out: string): Promise<TorrentSession> {
    const engine = new Engine({ host: '127.0.0.1', port: 0, trackers: [tracker.announce] });
    engines.push(engine);
    await engine.listen();
    fs.mkdirSync(out, { recursive: true });
    return engine.download(entry.meta, out);
  }

  before(async () => {
    api = await staApi();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-as-one-'));
    dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'as-one');
    for (const [rel, bytes] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), bytes);
    }
    fs.writeFileSync(path.join(dir, '.env'), 'API_TOKEN=never-shared\n');
    fs.mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
    tracker = await startTracker();
    await vscode.commands.executeCommand('sta.stop'); // an earlier suite's STA announces to its own tracker
    await useTracker(tracker.announce);
    answerFirstStart(api, 'share');
    api.folders.confirm = async (message, detail) => (asked.push({ message, detail }), true);
  });

  after(async () => {
    for (const e of engines) await e.close();
    await vscode.commands.executeCommand('sta.stop');
    await tracker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('asks first (name, file count, size, tracker, what is left out), cancelling shares nothing', async () => {
    api.folders.confirm = async (message, detail) => (asked.push({ message, detail }), false);
    const entry = await vscode.commands.executeCommand<SharedEntry | undefined>('sta.shareFolder', vscode.Uri.file(dir));
    assert.strictEqual(entry, undefined);
    const size = formatBytes(files['a.bin'].length + files['docs/b.txt'].length);
    assert.deepStrictEqual(asked.map((q) => q.message), [`Share the folder as-one (2 files, ${size}) as one torrent with ${tracker.announce}?`]);
    assert.match(asked[0].detail, /Always left out: \.git, node_modules, \.vscode, \.sta, and files that look like secrets\./);
    assert.match(asked[0].detail, /Left out as secrets here: \.env/);
    assert.match(asked[0].detail, /1 file left out in those folders\./);
    assert.strictEqual(row(), undefined);
  });

  it('shares it as one torrent: one folder row in Shared, a magnet link, a plain peer gets every file but the secret', async () => {
    asked = [];
    api.folders.confirm = async (message, detail) => (asked.push({ message, detail }), true);
    const entry = await vscode.commands.executeCommand<SharedEntry | undefined>('sta.shareFolder', vscode.Uri.file(dir));
    assert.ok(entry, 'shared');
    assert.strictEqual(asked.length, 1);
    assert.strictEqual(api.service.running, true, 'STA was started for it');
    assert.strictEqual(entry.catalogPath, 'as-one');
    assert.deepStrictEqual(entry.meta.files.map((f) => f.path).sort(), ['a.bin', 'docs/b.txt']);

    const item = await waitFor('the folder row in Shared', row);
    assert.strictEqual(item.description, `2 files · ${formatBytes(entry.size)} · one torrent`);
    assert.strictEqual(item.iconPath, vscode.ThemeIcon.Folder);
    await vscode.commands.executeCommand('sta.copyMagnet', item);
    assert.match(await vscode.env.clipboard.readText(), new RegExp(`^magnet:\\?xt=urn:btih:${entry.meta.infoHashHex}`));

    const out = path.join(tmp, 'peer');
    const session = await leech(entry, out);
    await new Promise<void>((resolve, reject) => {
      session.once('done', () => resolve());
      session.on('state', (s, reason) => s === 'failed' && reject(new Error(reason)));
    });
    for (const [rel, bytes] of Object.entries(files)) assert.strictEqual(sha256(path.join(out, 'as-one', rel)), sha256(bytes), rel);
    assert.strictEqual(fs.existsSync(path.join(out, 'as-one', '.env')), false, 'the secret is never in the torrent');
    assert.strictEqual(fs.existsSync(path.join(out, 'as-one', 'node_modules')), false);
    await engines.pop()!.close(); // the next peer can get the torrent from VS Code only
  });

  it('a file changed afterwards is never served: the row says the share stopped, and clicking it shares again', async () => {
    // a folder no peer has read yet: nothing of it is in the seed's piece cache, every read goes to the disk
    const late = path.join(dir, '..', 'as-one-late');
    fs.mkdirSync(late, { recursive: true });
    const bytes = { 'a.bin': randomBytes(300_000), 'b.bin': randomBytes(200_000) };
    for (const [rel, b] of Object.entries(bytes)) fs.writeFileSync(path.join(late, rel), b);
    try {
      const before = await vscode.commands.executeCommand<SharedEntry | undefined>('sta.shareFolder', vscode.Uri.file(late));
      assert.ok(before && row('as-one-late'), 'shared');
      fs.appendFileSync(path.join(late, 'a.bin'), 'edited');
      fs.appendFileSync(path.join(late, 'b.bin'), 'edited');
      const out = path.join(tmp, 'late');
      await leech(before, out);
      const stoppedRow = () => (row('as-one-late')?.entry.stopped ? row('as-one-late') : undefined);
      const stopped = await waitFor('the row to say it stopped', stoppedRow, 60_000);
      assert.strictEqual(stopped.description, 'stopped: a file changed · click to share again');
      for (const rel of Object.keys(bytes)) assert.strictEqual(fs.existsSync(path.join(out, 'as-one-late', rel)), false, `${rel}: never finished from stale bytes`);
      const again = await vscode.commands.executeCommand<SharedEntry | undefined>(stopped.command!.command, ...(stopped.command!.arguments ?? []));
      assert.ok(again && again.meta.infoHashHex !== before.meta.infoHashHex, 'hashed again');
      assert.strictEqual(row('as-one-late')!.entry.stopped, undefined);
      assert.strictEqual(row('as-one-late')!.entry.size, 500_000 + 2 * 'edited'.length);
    } finally {
      fs.rmSync(late, { recursive: true, force: true });
    }
  });
});
