// Launchers for STA's own CLI processes (`sta tracker`, `sta share`, `sta get`) in tests.
import { ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stopChild, waitForExit } from './processes';
import { waitFor } from './wait';

/** The built CLI (`node esbuild.js` makes it); every test process runs this file. */
export const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');

export interface JsonEvent {
  type: string;
  [k: string]: any;
}

export interface StaProcess {
  child: ChildProcess;
  events: JsonEvent[];
  stderr: () => string;
  stop: () => Promise<void>;
  waitEvent: (pred: (e: JsonEvent) => boolean, what: string, timeoutMs?: number) => Promise<JsonEvent>;
}

/** A test's `sta` reads no user config file and no STA_TRACKER (a folder that does not exist holds no config). */
const NO_USER_CONFIG = { XDG_CONFIG_HOME: join(tmpdir(), 'sta-test-no-config'), STA_TRACKER: '' };

export function startSta(args: string[], env: Record<string, string> = {}): StaProcess {
  const child = spawn(process.execPath, [CLI, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...NO_USER_CONFIG, ...env } });
  const events: JsonEvent[] = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => {
    out += c;
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        events.push(JSON.parse(line));
      } catch {
        err += `[non-JSON stdout] ${line}\n`;
      }
    }
  });
  child.stderr!.on('data', (c) => {
    err += c;
    if (err.length > 1 << 20) err = err.slice(-(1 << 19));
  });
  const waitEvent = (pred: (e: JsonEvent) => boolean, what: string, timeoutMs = 20_000) =>
    waitFor(
      what,
      () => {
        const e = events.find(pred);
        if (e) return e;
        if (child.exitCode !== null) throw new Error(`sta ${args[0]} exited (${child.exitCode}) before ${what}: ${err.slice(-2000)}`);
        return undefined;
      },
      timeoutMs,
      50,
    ) as Promise<JsonEvent>;
  return { child, events, stderr: () => err, stop: () => stopChild(child), waitEvent };
}

/** `sta share FILES --tracker URL --host 127.0.0.1`, resolved once every file is being shared. */
export async function startSeeder(
  files: string[],
  tracker: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<StaProcess & { peerId: string; port: number; infoHashes: string[] }> {
  const p = startSta(['share', ...files, '--tracker', tracker, '--host', '127.0.0.1', ...extra], env);
  try {
    const listening = await p.waitEvent((e) => e.type === 'listening', 'listening');
    await waitFor('every file shared', () => p.events.filter((e) => e.type === 'sharing').length >= files.length || undefined, 60_000);
    const infoHashes = p.events.filter((e) => e.type === 'sharing').map((e) => e.infoHash);
    return { ...p, peerId: listening.peerId, port: listening.port, infoHashes };
  } catch (e) {
    await p.stop();
    throw e;
  }
}

/** Runs `sta get` to its end; returns exit code and events. */
export async function runGet(args: string[], timeoutMs = 60_000): Promise<{ code: number | string; events: JsonEvent[]; stderr: string }> {
  const p = startSta(['get', ...args, '--host', '127.0.0.1']);
  try {
    const code = await waitForExit(p.child, timeoutMs);
    await new Promise((r) => setImmediate(r));
    return { code, events: p.events, stderr: p.stderr() };
  } catch (e) {
    await p.stop();
    throw new Error(`${(e as Error).message}\n${p.stderr().slice(-2000)}`);
  }
}

export interface TrackerChild {
  child: ChildProcess;
  pid: number;
  announce: string;
  scrape: string;
  catalog: string;
  base: string;
  port: number;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `node dist/cli.js tracker --host 127.0.0.1 --port 0 --json ...` and reads its URLs. */
export async function startTrackerChild(extraArgs: string[] = [], timeoutMs = 15_000): Promise<TrackerChild> {
  const child = spawn(process.execPath, [CLI, 'tracker', '--host', '127.0.0.1', '--port', '0', '--json', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
    if (err.length > 1 << 20) err = err.slice(-(1 << 19)); // keep the tail only
  });
  try {
    const line = await new Promise<string>((resolveP, reject) => {
      const timer = setTimeout(() => reject(new Error(`tracker did not print its URLs within ${timeoutMs} ms: ${err}`)), timeoutMs);
      child.stdout!.on('data', (c) => {
        out += c;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolveP(out.slice(0, nl));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tracker exited with ${code} before listening: ${err}`));
      });
    });
    const info = JSON.parse(line) as { announce: string; catalog: string; scrape: string; pid: number };
    if (info.pid !== child.pid) throw new Error(`tracker reported pid ${info.pid}, spawned ${child.pid}`);
    const base = info.announce.replace(/\/announce$/, '');
    return {
      child,
      ...info,
      pid: child.pid!,
      base,
      port: Number(new URL(base).port),
      stderr: () => err,
      stop: () => stopChild(child),
    };
  } catch (e) {
    await stopChild(child, 2000);
    throw e;
  }
}
