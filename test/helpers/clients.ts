// Launchers for the real BitTorrent programs the interop tests run beside STA: aria2c,
// transmission-cli and opentracker, each confined to 127.0.0.1 with DHT, PEX, LPD (and
// for Transmission uTP, port forwarding and RPC) switched off — see /work/shared/interop.md.
// Every launcher returns the child and a stop() that signals that PID only and waits for it.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { waitForPort, waitForPortFree } from './ports';
import { stopChild } from './processes';

export interface ClientProc {
  child: ChildProcess;
  pid: number;
  /** the last ~64 KiB of stdout / stderr, for failure messages */
  stdout: () => string;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** A client run by spawnLogged: also the tail of stdout and stderr interleaved as they came. */
export interface LoggedProc extends ClientProc {
  output: () => string;
}

const TAIL = 64 * 1024;

function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Fails the test, naming what to install, when a real client is not on PATH: interop is part of the
 * suite, and a skipped test checks nothing (.ci/run installs every client).
 */
export function requireClient(...cmds: string[]): void {
  const missing = cmds.filter((c) => !haveCommand(c));
  if (missing.length === 0) return;
  throw new Error(`${missing.join(', ')} not on PATH: install the real clients (apt-get install aria2 transmission-cli opentracker mktorrent, as .ci/run does)`);
}

/** Spawns a program and keeps the tail of its output; stop() = SIGTERM its PID, SIGKILL after `graceMs`. */
export function spawnLogged(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; graceMs?: number } = {}): LoggedProc {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let all = '';
  const keepAll = (c: Buffer) => {
    all += c;
    if (all.length > 2 * TAIL) all = all.slice(-TAIL);
  };
  child.stdout!.on('data', (c) => {
    out += c;
    if (out.length > 2 * TAIL) out = out.slice(-TAIL);
    keepAll(c);
  });
  child.stderr!.on('data', (c) => {
    err += c;
    if (err.length > 2 * TAIL) err = err.slice(-TAIL);
    keepAll(c);
  });
  child.on('error', (e) => (err += `\nspawn error: ${e.message}`));
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const stop = () => stopChild(child, opts.graceMs ?? 5000);
  return { child, pid: child.pid, stdout: () => out, stderr: () => err, output: () => all, stop };
}

/** The flags that keep aria2c on loopback and away from DHT / LPD / PEX (interop.md). */
export function aria2Flags(port: number): string[] {
  return [
    '--no-conf=true',
    '--enable-dht=false',
    '--enable-dht6=false',
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--disable-ipv6=true',
    '--interface=127.0.0.1',
    `--listen-port=${port}`,
    '--file-allocation=falloc',
    '--console-log-level=warn',
    '--log-level=notice',
    '--summary-interval=0',
    '--bt-tracker-interval=1',
    '--auto-save-interval=0',
    // dies with the test runner if it is killed before our after-hooks run
    `--stop-with-process=${process.pid}`,
  ];
}

export interface Aria2Options {
  torrent: string;
  /** download folder (for a seeder: the folder that already holds the complete file) */
  dir: string;
  port: number;
  /** seed forever from a complete file (-V --bt-seed-unverified --seed-ratio=0.0); otherwise leech and quit when done */
  seed: boolean;
  extra?: string[];
}

/** aria2c seeding a complete file or leeching with --seed-time=0 (exits when done). */
export function startAria2(o: Aria2Options): ClientProc & { port: number } {
  const mode = o.seed ? ['-V', '--bt-seed-unverified=true', '--seed-ratio=0.0'] : ['--seed-time=0'];
  const p = spawnLogged('aria2c', [...aria2Flags(o.port), ...mode, `--dir=${o.dir}`, ...(o.extra ?? []), o.torrent]);
  // aria2 takes over a second to exit; its port must be free before anyone reuses it
  const stop = async () => {
    await p.stop();
    await waitForPortFree(o.port, 10_000).catch(() => undefined);
  };
  return { ...p, stop, port: o.port };
}

export interface TransmissionOptions {
  torrent: string;
  /** Transmission's config dir (-g); settings.json is written into it */
  configDir: string;
  /** absolute download folder (-w) */
  downloadDir: string;
  /** peer-port, fixed */
  port: number;
  /** the done script writes "$TR_TORRENT_DIR/$TR_TORRENT_NAME" into this file */
  markerPath: string;
}

/**
 * transmission-cli with a settings.json that binds 127.0.0.1 on a fixed peer port and turns
 * off DHT, LPD, PEX, uTP, port forwarding and RPC. It never dials loopback peers from a tracker,
 * so it only gets data from peers that dial it (interop.md). It seeds on after the download
 * finishes; the done script leaves `markerPath` behind, and stop() ends it by PID.
 */
export async function startTransmission(o: TransmissionOptions): Promise<ClientProc & { port: number }> {
  await fsp.mkdir(o.configDir, { recursive: true });
  await fsp.mkdir(o.downloadDir, { recursive: true });
  const settings = {
    'dht-enabled': false,
    'lpd-enabled': false,
    'pex-enabled': false,
    'utp-enabled': false,
    'port-forwarding-enabled': false,
    'rpc-enabled': false,
    'blocklist-enabled': false,
    'watch-dir-enabled': false,
    'bind-address-ipv4': '127.0.0.1',
    'bind-address-ipv6': '::1',
    'peer-port': o.port,
    'peer-port-random-on-start': false,
    'ratio-limit-enabled': false,
    'idle-seeding-limit-enabled': false,
    'speed-limit-down-enabled': false,
    'speed-limit-up-enabled': false,
    'alt-speed-enabled': false,
    'incomplete-dir-enabled': false,
    'download-dir': o.downloadDir,
    'start-added-torrents': true,
    'message-level': 1,
  };
  await fsp.writeFile(join(o.configDir, 'settings.json'), JSON.stringify(settings, null, 2));
  // the done script runs with an emptied environment: absolute paths only
  const script = join(o.configDir, 'done.sh');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const marker = q(o.markerPath);
  const body = `printf '%s/%s\\n' "$TR_TORRENT_DIR" "$TR_TORRENT_NAME" > ${marker}.tmp && mv ${marker}.tmp ${marker}`;
  await fsp.writeFile(script, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  const args = ['-g', o.configDir, '-w', o.downloadDir, '-f', script, o.torrent];
  const p = spawnLogged('transmission-cli', args, { env: { ...process.env, HOME: o.configDir } });
  const stop = async () => {
    await p.stop();
    await waitForPortFree(o.port, 10_000).catch(() => undefined);
  };
  return { ...p, stop, port: o.port };
}

export interface OpentrackerOptions {
  /** its chroot (-d); made world-readable so the dropped `nobody` user can read the whitelist */
  dir: string;
  port: number;
  /** 40-hex info-hashes: the Debian build serves only whitelisted torrents */
  infoHashes: string[];
}

/**
 * opentracker on 127.0.0.1 (TCP and UDP on `port`). `-i` comes before `-p`/`-P` or it binds
 * every address; it chroots into `dir` so the whitelist path is given relative to it. As root
 * it drops to `nobody`; otherwise it runs as the current user.
 */
export async function startOpentracker(o: OpentrackerOptions): Promise<ClientProc & { announce: string; scrape: string }> {
  await fsp.writeFile(join(o.dir, 'whitelist.txt'), o.infoHashes.map((h) => h.toLowerCase() + '\n').join(''), { mode: 0o644 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await fsp.chmod(o.dir, 0o755);
  const args = ['-i', '127.0.0.1', '-p', String(o.port), '-P', String(o.port), '-w', 'whitelist.txt', '-d', o.dir, ...(asRoot ? ['-u', 'nobody'] : [])];
  const p = spawnLogged('opentracker', args);
  try {
    await waitForPort(o.port, 10_000);
  } catch (e) {
    await p.stop();
    throw new Error(`opentracker did not listen on ${o.port}: ${(e as Error).message}\n${p.stderr()}`);
  }
  const base = `http://127.0.0.1:${o.port}`;
  return { ...p, announce: `${base}/announce`, scrape: `${base}/scrape` };
}
