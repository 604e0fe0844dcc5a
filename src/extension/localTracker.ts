// STA: Start Local Tracker — the bundled `sta tracker` in a child process that dies with
// the extension, its output in the STA log.
import { ChildProcess, fork } from 'node:child_process';
import * as vscode from 'vscode';
import type { Logger } from '../core/api';
import { Disposable, toDisposable } from './lifecycle';

/** Announce interval of the local tracker: peers on one machine or LAN find each other sooner than with the usual 60 s. */
const INTERVAL_SECONDS = 30;

export class LocalTracker extends Disposable {
  private child?: ChildProcess;
  announceUrl?: string;
  private readonly _onDidChange = this.register(new vscode.EventEmitter<boolean>());
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly cliPath: string, private readonly log: Logger) {
    super();
    this.register(toDisposable(() => this.stop()));
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the tracker on `host`:`port` and resolves with its announce URL (loopback when `host` is every address). */
  start(port: number, host: string): Promise<string> {
    if (this.child && this.announceUrl) return Promise.resolve(this.announceUrl);
    return new Promise((resolve, reject) => {
      const child = fork(this.cliPath, ['tracker', '--host', host, '--port', String(port), '--interval', String(INTERVAL_SECONDS), '--json'], {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      this.child = child;
      let out = '';
      let err = '';
      let settled = false;
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf('\n');
        if (nl < 0 || settled) return;
        settled = true;
        const info = JSON.parse(out.slice(0, nl));
        // peers on this machine reach a tracker bound to every address through loopback
        this.announceUrl = String(info.announce).replace('//0.0.0.0:', '//127.0.0.1:');
        this.log.info(`local tracker (pid ${child.pid}) at ${this.announceUrl}`);
        this._onDidChange.fire(true);
        resolve(this.announceUrl);
      });
      child.stderr!.on('data', (c: Buffer) => {
        const text = c.toString();
        err += text;
        // the tracker's own timestamp and tag give way to the channel's
        for (const line of text.split('\n')) if (line.trim()) this.log.info(`[tracker] ${line.replace(/^\S+ \[tracker\] /, '')}`);
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.announceUrl = undefined;
          this._onDidChange.fire(false);
        }
        this.log.info(`local tracker exited (${signal ?? code})`);
        if (!settled) {
          settled = true;
          // the child's only way to tell us why is its stderr
          const inUse = /EADDRINUSE/.test(err);
          reject(new Error(inUse ? `port ${port} is already in use` : `the tracker exited before listening: ${err.trim().split('\n').pop() ?? code}`));
        }
      });
    });
  }

  stop(): void {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.announceUrl = undefined;
    child.kill('SIGTERM');
    this._onDidChange.fire(false);
  }
}
