// What the extension-host tests share: the extension's API, waiting, user settings, trackers as child
// processes, plain HTTP, and answering the first-Start question the way a user would.
import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import type { Transfer } from '../../src/extension/model/transfers';
import { freePort } from '../helpers/freePort';

export const EXTENSION_ID = 'sta-founders.sta';

/** SHA-256 (hex) of a file at a path, or of bytes: what the tests compare downloads by. */
export const sha256 = (p: string | Buffer) => createHash('sha256').update(Buffer.isBuffer(p) ? p : fs.readFileSync(p)).digest('hex');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function staApi(): Promise<StaApi> {
  return vscode.extensions.getExtension<StaApi>(EXTENSION_ID)!.activate();
}

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** Sets `sta.<key>` in the user settings (where machine-scoped settings live). */
export async function setUser(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('sta').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Points STA at `announce`, on 127.0.0.1 and a free peer port, as a user would in their settings. */
export async function useTracker(announce: string): Promise<void> {
  await setUser('trackerUrl', announce);
  await setUser('bindAddress', '127.0.0.1');
  await setUser('listenPort', await freePort());
}

export function httpGet(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** A row of a tree view and the path its labels spell from the top (what a user reads expanding the folders). */
export interface TreeRow<T> {
  path: string;
  item: T;
}

/** Waits for the transfer `infoHash` to finish (a failed one fails the test with its error); returns it. */
export function downloaded(api: StaApi, infoHash: string, what = `${infoHash} downloaded`, timeoutMs = 60_000): Promise<Transfer> {
  return waitFor(what, () => {
    const x = api.service.transfers.get(infoHash);
    if (x?.progress.state === 'failed') throw new Error(`the download failed: ${x.error}`);
    return x?.done && x;
  }, timeoutMs);
}

/** Every file row of a tree view (folders expanded, depth first), as Tracker Files and Shared show them (their getChildren is synchronous). */
export function treeFiles<T extends vscode.TreeItem>(tree: vscode.TreeDataProvider<T>): TreeRow<T>[] {
  const out: TreeRow<T>[] = [];
  const walk = (parent: T | undefined, prefix: string, depth: number) => {
    if (depth > 64) throw new Error(`tree deeper than 64 at ${prefix}`);
    const children = tree.getChildren(parent);
    if (children && !Array.isArray(children)) throw new Error('getChildren returned a promise; the views answer at once');
    for (const item of children ?? []) {
      const label = typeof item.label === 'object' ? item.label.label : String(item.label);
      if (item.collapsibleState === vscode.TreeItemCollapsibleState.None || item.collapsibleState === undefined) out.push({ path: prefix + label, item });
      else walk(item, `${prefix}${label}/`, depth + 1);
    }
  };
  walk(undefined, '', 0);
  return out;
}

/** The paths of the Shared view's files, as its rows spell them. */
export function sharedPaths(api: StaApi): string[] {
  return treeFiles(api.shared).map((r) => r.path);
}

/** The catalog's paths at a (keyed or not) announce URL. */
export async function catalogPaths(announce: string): Promise<string[]> {
  const r = await httpGet(announce.replace(/\/announce$/, '/catalog'));
  if (r.status !== 200) throw new Error(`catalog: HTTP ${r.status} ${r.body}`);
  return (JSON.parse(r.body.toString()).files as { path: string }[]).map((f) => f.path);
}

/** What the first-Start question asked, and how the test answered. */
export interface Questions {
  asked: { message: string; detail: string }[];
  /** answers given in order; the last one repeats */
  answers: ('share' | 'showFiles' | undefined)[];
}

/** Answers the first-Start question in the user's place, recording each question. */
export function answerFirstStart(api: StaApi, ...answers: ('share' | 'showFiles' | undefined)[]): Questions {
  const q: Questions = { asked: [], answers };
  api.consent.ask = async (message, detail) => {
    const i = q.asked.push({ message, detail }) - 1;
    return q.answers[Math.min(i, q.answers.length - 1)];
  };
  return q;
}

export interface TrackerChild {
  announce: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `sta tracker --host 127.0.0.1 --port 0 --json ARGS` from the extension's own dist/cli.js. */
export async function startTracker(args: string[] = []): Promise<TrackerChild> {
  const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
  const child = spawn(process.execPath, [cli, 'tracker', '--host', '127.0.0.1', '--port', '0', '--json', ...args], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`sta tracker exited ${code}: ${err}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  return { announce: JSON.parse(line).announce, child, stop };
}

export interface SeederChild {
  infoHash: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A teammate's headless `sta share FILE --tracker ANNOUNCE --host 127.0.0.1 --json ARGS`, ready once it shares. */
export async function startSeeder(file: string, announce: string, cacheHome: string, args: string[] = []): Promise<SeederChild> {
  const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
  const child = spawn(process.execPath, [cli, 'share', file, '--tracker', announce, '--host', '127.0.0.1', '--json', ...args], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', XDG_CACHE_HOME: cacheHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const infoHash = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      // complete lines only: a chunk may end mid-line
      for (const line of out.split('\n').slice(0, -1)) {
        if (line.startsWith('{') && JSON.parse(line).type === 'sharing') resolve(JSON.parse(line).infoHash);
      }
    });
    child.once('exit', (code) => reject(new Error(`sta share exited ${code}: ${err}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  return { infoHash, child, stop };
}
