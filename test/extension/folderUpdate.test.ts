// A folder shared as one torrent, updated by a teammate: once downloaded, its Tracker Files row says ↻ update
// available when the teammate shares a new version, and Request rewrites only what changed, in place; the
// user's own file in that folder stays, and Transfers keeps one row for it (version 1's files are gone).
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { answerFirstStart, catalogPaths, downloaded, type SeederChild, sha256, staApi, startSeeder, startTracker, type TrackerChild, treeFiles, useTracker, waitFor } from './support';

type Row = vscode.TreeItem & { file: { infoHash: string } };

describe('Update: a folder shared as one torrent', function () {
  this.timeout(180_000);
  let api: StaApi;
  let tracker: TrackerChild;
  let seeder: SeederChild | undefined;
  let tmp: string;
  let root: string;
  let team: string;
  let existing: StaApi['requests']['existing'];

  /** the Tracker Files row of the folder torrent at `catalogPath` once its catalog entry is `infoHash` and `ok` holds */
  const folderRow = (catalogPath: string, infoHash: string, what: string, ok: (r: Row) => boolean = () => true) =>
    waitFor(what, async () => {
      await api.service.catalog.refresh();
      const r = treeFiles(api.trackerFiles).find((x) => x.path === catalogPath && (x.item as Row).file?.infoHash === infoHash)?.item as Row | undefined;
      return r && ok(r) && r;
    });
  /** 500 bytes rewritten in `file` at `at` */
  const rewrite = (file: string, at: number) => {
    const bytes = fs.readFileSync(file);
    randomBytes(500).copy(bytes, at);
    fs.writeFileSync(file, bytes);
  };

  before(async () => {
    api = await staApi();
    existing = api.requests.existing;
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-folder-update-'));
    team = path.join(tmp, 'team', 'kit');
    fs.mkdirSync(path.join(team, 'tex'), { recursive: true });
    fs.writeFileSync(path.join(team, 'mesh.bin'), randomBytes(900_001));
    fs.writeFileSync(path.join(team, 'tex', 'a.png'), randomBytes(400_003));
    fs.writeFileSync(path.join(team, 'readme.txt'), 'kit v1\n');
    tracker = await startTracker();
    await useTracker(tracker.announce);
    answerFirstStart(api, 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
  });

  after(async () => {
    api.requests.existing = existing;
    await vscode.commands.executeCommand('sta.stop');
    await seeder?.stop();
    await tracker?.stop();
    fs.rmSync(path.join(root, 'kit'), { recursive: true, force: true });
    fs.rmSync(path.join(root, 'pack'), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('downloaded once, the teammate\'s new version is ↻; Request rewrites the changed files in place, reusing the rest', async () => {
    seeder = await startSeeder(team, tracker.announce, path.join(tmp, 'cache1'), ['--as-one', '--no-watch']);
    const v1 = seeder.infoHash;
    api.links.pickFiles = async (meta) => meta.files.map((f) => f.path);
    await vscode.commands.executeCommand('sta.request', await folderRow('kit', v1, 'version 1 in Tracker Files'));
    await downloaded(api, v1);
    fs.writeFileSync(path.join(root, 'kit', 'my-notes.md'), 'mine\n');

    // the teammate's version 2: 500 bytes of mesh.bin rewritten, a new texture, the readme edited
    await seeder.stop();
    rewrite(path.join(team, 'mesh.bin'), 300_000);
    fs.writeFileSync(path.join(team, 'tex', 'b.png'), randomBytes(200_000));
    fs.writeFileSync(path.join(team, 'readme.txt'), 'kit v2, with b.png\n');
    seeder = await startSeeder(team, tracker.announce, path.join(tmp, 'cache2'), ['--as-one', '--no-watch']);
    const v2 = seeder.infoHash;
    await waitFor('version 2 in the catalog', async () => (await catalogPaths(tracker.announce)).includes('kit'));
    const row = await folderRow('kit', v2, 'version 2 marked ↻ update available', (r) => /· ↻ update available$/.test(String(r.description)));

    await vscode.commands.executeCommand('sta.request', row);
    const t = await downloaded(api, v2);
    assert.strictEqual(t.path, path.join(root, 'kit'), 'updated in place, not beside it');
    for (const p of ['mesh.bin', 'tex/a.png', 'tex/b.png', 'readme.txt']) {
      assert.strictEqual(sha256(path.join(root, 'kit', p)), sha256(path.join(team, p)), p);
    }
    assert.strictEqual(fs.readFileSync(path.join(root, 'kit', 'my-notes.md'), 'utf8'), 'mine\n', "the user's own file stays");
    assert.ok(!fs.existsSync(path.join(root, 'kit (1)')), 'nothing beside it');
    assert.deepStrictEqual(api.service.transfers.values().filter((x) => x.name === 'kit').map((x) => x.infoHash), [v2], "version 1's row is gone");
    const length = t.meta.files.reduce((a, f) => a + f.length, 0);
    assert.ok(t.progress.reusedBytes >= 900_000, `pieces reused from version 1: ${t.progress.reusedBytes} of ${length} bytes`);
    console.log(`      update: ${t.progress.reusedBytes} of ${length} bytes reused from version 1, ${t.progress.downloaded} fetched`);
  });
  it('not marked ↻ (as after a reload): Request lists its files, and Update It rewrites only the ones kept, in place', async () => {
    const pack = path.join(tmp, 'team2', 'pack');
    fs.mkdirSync(path.join(pack, 'tex'), { recursive: true });
    fs.writeFileSync(path.join(pack, 'mesh.bin'), randomBytes(700_001));
    fs.writeFileSync(path.join(pack, 'tex', 'a.png'), randomBytes(300_007));
    fs.writeFileSync(path.join(pack, 'readme.txt'), 'pack v1\n');
    fs.cpSync(pack, path.join(root, 'pack'), { recursive: true }); // the user's older copy
    rewrite(path.join(pack, 'mesh.bin'), 200_000);
    fs.writeFileSync(path.join(pack, 'tex', 'b.png'), randomBytes(150_000));
    fs.writeFileSync(path.join(pack, 'readme.txt'), 'pack v2\n');
    await seeder?.stop();
    seeder = await startSeeder(pack, tracker.announce, path.join(tmp, 'cache3'), ['--as-one', '--no-watch']);
    const row = await folderRow('pack', seeder.infoHash, 'pack as not in workspace', (r) => /· not in workspace$/.test(String(r.description)));
    const asked: string[] = [];
    api.links.pickFiles = async () => ['mesh.bin', 'tex/b.png'];
    api.requests.existing = async (message) => (asked.push(message), 'update');
    await vscode.commands.executeCommand('sta.request', row);
    assert.strictEqual(asked.length, 1);
    assert.match(asked[0], /pack already exists with different content\. STA will not overwrite it unless you choose Update\.$/);
    const t = await downloaded(api, seeder.infoHash);
    assert.strictEqual(t.path, path.join(root, 'pack'), 'updated in place');
    for (const p of ['mesh.bin', 'tex/b.png']) assert.strictEqual(sha256(path.join(root, 'pack', p)), sha256(path.join(pack, p)), p);
    assert.strictEqual(fs.readFileSync(path.join(root, 'pack', 'readme.txt'), 'utf8'), 'pack v1\n', 'a file not kept in the list is left as it is');
    assert.ok(t.progress.reusedBytes > 0, 'pieces reused from the older copy');
    assert.ok(!fs.existsSync(path.join(root, 'pack (1)')), 'nothing beside it');
  });
});
