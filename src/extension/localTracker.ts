// STA: Start Local Tracker — the bundled `sta tracker` in a child process that dies with the
// extension, its output in the STA log, its team key in a private file that lives as long as it.
import { ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { type Logger, withoutTeamKey, withTeamKey } from '../core/api';
import { Disposable, toDisposable } from './lifecycle';

/** Announce interval of the local tracker: peers on one machine or LAN find each other sooner than with the usual 60 s. */
const INTERVAL_SECONDS = 30;
export const LOOPBACK = '127.0.0.1';
export const EVERY_ADDRESS = '0.0.0.0';

export class LocalTracker extends Disposable {
  private child?: ChildProcess;
  /** the keyed announce URL peers on this machine use */
  announceUrl?: string;
  /** where it listens: LOOPBACK, or EVERY_ADDRESS when shared on the LAN */
  host?: string;
  private keyDir?: string;
  private starting?: Promise<string>;
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

  /** The file `sta tracker --key-file` reads; while it runs, only this user can read it. */
  get keyFile(): string | undefined {
    return this.keyDir && join(this.keyDir, 'team.key');
  }

  /** Starts the tracker on `host`:`port` with team key `key`; resolves with its keyed announce URL on loopback. */
  start(port: number, host: string, key: string): Promise<string> {
    if (this.child && this.announceUrl) return Promise.resolve(this.announceUrl);
    this.starting ??= this.spawn(port, host, key).finally(() => (this.starting = undefined));
    return this.starting;
  }

  private spawn(port: number, host: string, key: string): Promise<string> {
    // mkdtemp makes the folder 0700; the file is 0600 as well, should the folder be moved
    const keyDir = (this.keyDir = mkdtempSync(join(tmpdir(), 'sta-tracker-')));
    writeFileSync(join(keyDir, 'team.key'), key, { mode: 0o600 });
    return new Promise((resolve, reject) => {
      const args = ['tracker', '--host', host, '--port', String(port), '--interval', String(INTERVAL_SECONDS), '--key-file', this.keyFile!, '--json'];
      const child = fork(this.cliPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      this.child = child;
      this.host = host;
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
        const loopback = withoutTeamKey(String(info.announce)).replace(`//${EVERY_ADDRESS}:`, `//${LOOPBACK}:`);
        this.announceUrl = withTeamKey(loopback, key);
        this.log.info(`local tracker (pid ${child.pid}) at ${loopback}, ${host === LOOPBACK ? 'this machine only' : 'on the LAN'}`);
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
        if (this.child === child) this.forget();
        this.log.info(`local tracker exited (${signal ?? code})`);
        if (!settled) {
          settled = true;
          // the child's only way to tell us why is its stderr
          const inUse = /EADDRINUSE/.test(err);
          const why = inUse
            ? vscode.l10n.t('port {0} is already in use', port)
            : vscode.l10n.t('the tracker exited before listening: {0}', err.trim().split('\n').pop() ?? String(code));
          reject(new Error(why));
        }
      });
    });
  }

  stop(): void {
    const child = this.child;
    if (!child) return;
    this.forget();
    child.kill('SIGTERM');
  }

  /** No tracker any more: no URL, no key file. */
  private forget(): void {
    this.child = undefined;
    this.announceUrl = undefined;
    this.host = undefined;
    if (this.keyDir) rmSync(this.keyDir, { recursive: true, force: true });
    this.keyDir = undefined;
    this._onDidChange.fire(false);
  }
}
