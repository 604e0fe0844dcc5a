// Transfers survive a window reload: the extension host ends (STA stops, the models go), a new one starts
// on the same workspace state; unfinished downloads are back in Transfers and resume from their
// .part files when STA starts, paused ones stay paused until Resume, a finished one is seeded as any
// shared file. Each "window" is a StaService of its own built from src, as a new extension host builds one.
import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { silentLogger } from '../../src/core/api';
import type { StaApi } from '../../src/extension/extension';
import { StaService } from '../../src/extension/model/staService';
import { answerFirstStart, sha256, type SeederChild, setUser, staApi, startSeeder, startTracker, type TrackerChild, waitFor, useTracker } from './support';

const SIZE = 16 * 1024 * 1024 + 777;
const MiB = 1024 * 1024;

/** workspaceState as VS Code keeps it: JSON, surviving the extension host. */
class MemoryState implements vscode.Memento {
  private readonly data = new Map<string, string>();
  keys(): readonly string[] {
    return [...this.data.keys()];
  }
  get<T>(key: string, fallback?: T): T | undefined {
    const v = this.data.get(key);
    return v === undefined ? fallback : JSON.parse(v);
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, JSON.stringify(value));
  }
}

describe('Transfers survive a window reload', function () {
  this.timeout(120_000);
  let api: StaApi;
  let tracker: TrackerChild;
  const seeders: SeederChild[] = [];
  const windows: StaService[] = [];
  let tmp: string;
  let root: string;
  const landed: string[] = [];

  /** One window's STA, on the workspace state that outlives it. */
  const openWindow = (state: vscode.Memento) => {
    const w = new StaService(silentLogger, path.join(tmp, 'metainfo'), api.teamKeys, api.consent, state);
    windows.push(w);
    return w;
  };
  /** The window goes: VS Code disposes the extension's subscriptions, which stops STA. */
  const closeWindow = async (w: StaService) => {
    await w.stop();
    w.dispose();
  };

  /**
   * A teammate seeds a new random file slowly (2 MiB/s) so a download lasts several seconds; with `under`
   * (a folder path) it shares a folder holding `under/name`, so the catalog path is `under/name`.
   */
  async function seeded(name: string, under?: string): Promise<{ infoHash: string; sha: string; file: string }> {
    const team = fs.mkdtempSync(path.join(tmp, 'team-'));
    const src = path.join(team, ...(under ? under.split('/') : []), name);
    fs.mkdirSync(path.dirname(src), { recursive: true });
    fs.writeFileSync(src, randomBytes(SIZE));
    const s = await startSeeder(under ? team : src, tracker.announce, path.join(tmp, 'cache'), ['--max-upload-rate', '2M']);
    seeders.push(s);
    const file = path.join(root, ...(under ? under.split('/') : []), name);
    landed.push(under ? path.join(root, under.split('/')[0]) : file);
    return { infoHash: s.infoHash, sha: sha256(src), file };
  }

  /** Starts `w`'s STA and requests `infoHash` once the catalog lists it; resolves once part of it is verified. */
  async function downloadPart(w: StaService, infoHash: string) {
    await w.start();
    const file = await waitFor('the file in the catalog', async () => {
      await w.catalog.refresh();
      return w.catalog.files.find((f) => f.infoHash === infoHash);
    });
    const t = await w.transfers.request(file);
    await waitFor('some of it verified', () => t.progress.verifiedBytes >= 3 * MiB && t.progress.verifiedBytes < SIZE);
    return t;
  }

  before(async () => {
    api = await staApi();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-reload-'));
    tracker = await startTracker();
    await useTracker(tracker.announce);
    answerFirstStart(api, 'share');
  });

  after(async () => {
    for (const w of windows) await closeWindow(w);
    for (const s of seeders) await s.stop();
    await tracker.stop();
    await setUser('listenPort', undefined);
    for (const f of landed) fs.rmSync(f, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('an unfinished download is back after the reload and resumes from its .part, at its catalog path, when STA starts', async () => {
    const state = new MemoryState();
    const { infoHash, sha, file } = await seeded('reload-dataset.bin', 'reload/data');
    const before = openWindow(state);
    const t = await downloadPart(before, infoHash);
    const verified = t.progress.verifiedBytes;
    await closeWindow(before);

    const after = openWindow(state);
    const back = after.transfers.get(infoHash);
    assert.ok(back, 'the download is in Transfers after the reload');
    assert.strictEqual(back.kind, 'download');
    assert.strictEqual(back.name, 'reload-dataset.bin');
    assert.strictEqual(back.progress.state, 'stopped', 'it waits for STA to start');
    assert.strictEqual(back.done, false);

    await after.start();
    const done = await waitFor('the resumed download to finish', () => {
      const x = after.transfers.get(infoHash);
      return x?.done && x;
    }, 60_000);
    assert.strictEqual(done.path, file);
    assert.strictEqual(sha256(file), sha, 'SHA-256 of the resumed download');
    const again = done.progress.downloaded;
    assert.ok(again <= SIZE - verified + MiB, `resumed, not started over: ${again} bytes fetched again, ${verified} were verified`);
    await closeWindow(after);

    // finished: not a transfer any more after the next reload, but seeded with the workspace's files
    const next = openWindow(state);
    assert.strictEqual(next.transfers.get(infoHash), undefined, 'a finished download is not restored');
    await next.start();
    await waitFor('the download in Shared', () => next.shares.entries().some((e) => e.relPath === 'reload/data/reload-dataset.bin'));
    await closeWindow(next);
  });

  it('a paused download comes back paused and waits for Resume', async () => {
    const state = new MemoryState();
    const { infoHash, sha, file } = await seeded('reload-paused.bin');
    const before = openWindow(state);
    const t = await downloadPart(before, infoHash);
    await before.transfers.pause(t);
    await closeWindow(before);

    const after = openWindow(state);
    assert.strictEqual(after.transfers.get(infoHash)?.progress.state, 'paused');
    await after.start();
    await new Promise((r) => setTimeout(r, 1500));
    const still = after.transfers.get(infoHash)!;
    assert.strictEqual(still.progress.state, 'paused', 'Start does not resume a paused download');
    assert.strictEqual(fs.existsSync(file), false);

    await after.transfers.resume(still);
    const done = await waitFor('the download to finish after Resume', () => {
      const x = after.transfers.get(infoHash);
      return x?.done && x;
    }, 60_000);
    assert.strictEqual(sha256(done.path!), sha);
    await closeWindow(after);
  });

  it('a cancelled download is not restored', async () => {
    const state = new MemoryState();
    const { infoHash } = await seeded('reload-cancelled.bin');
    const before = openWindow(state);
    const t = await downloadPart(before, infoHash);
    await before.transfers.cancel(t);
    await closeWindow(before);
    assert.strictEqual(openWindow(state).transfers.get(infoHash), undefined);
  });
});
