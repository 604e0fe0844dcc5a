// Child processes in tests: run one to completion, wait for an exit, stop one by its PID, read its RSS.
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Exit code (or signal name) of a child, waiting at most `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolveP, reject) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      reject(new Error(`pid ${child.pid} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolveP(code ?? signal ?? -1);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM the child by its PID, SIGKILL after `graceMs`, and wait for it to go. */
export async function stopChild(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, 'SIGTERM');
  try {
    await waitForExit(child, graceMs);
  } catch {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    await waitForExit(child, 5000);
  }
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export interface RunResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (bounded), collecting its output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolveP, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    waitForExit(child, opts.timeoutMs ?? 60_000).then(
      (code) => resolveP({ code, stdout, stderr }),
      async (e) => {
        await stopChild(child, 1000);
        reject(e);
      },
    );
  });
}
