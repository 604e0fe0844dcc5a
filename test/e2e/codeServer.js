// Starts and stops code-server (= VS Code 1.100.3 on the npm registry) for the
// end-to-end tests. Plain CommonJS so it runs without a build step.
//
//   const { startCodeServer } = require('./codeServer');
//   const server = await startCodeServer({ folder, installVsix, workspaceTrust, env, settings });
//   server.workbenchUrl({ devPaths: [repoRoot], testsPath })  // URL to open in the browser
//   await server.stop();                                      // kills the whole process group
//
// Binds 127.0.0.1 only, on a free port, with private user-data, extensions and
// XDG folders (removed on stop unless passed in or STA_E2E_KEEP_TMP=1).
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { freePort } = require('../helpers/freePort');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const VERBOSE = !!process.env.STA_E2E_VERBOSE;

/** Settings written before the first start: no telemetry, update, gallery or experiment traffic. */
const DEFAULT_SETTINGS = Object.freeze({
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'npm.fetchOnlinePackageInfo': false,
  'git.autofetch': false,
  'security.workspace.trust.enabled': false,
});

function codeServerBin() {
  return process.env.CODE_SERVER || path.join(REPO_ROOT, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Servers still running; killed (SIGKILL to the group) if this process exits without stopping them.
const live = new Set();
process.on('exit', () => {
  for (const s of live) s._killSync();
});

/**
 * User settings, written twice: UD/User/settings.json is what desktop VS Code reads; a code-server window
 * is remote, and reads `machine`-scoped settings (sta.trackerUrl, sta.autoStart…) from UD/Machine/settings.json only.
 */
function writeSettings(userDataDir, settings) {
  for (const dir of ['User', 'Machine']) {
    const file = path.join(userDataDir, dir, 'settings.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let existing = {};
    try {
      existing = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      /* absent or not plain JSON: replaced */
    }
    fs.writeFileSync(file, JSON.stringify({ ...existing, ...settings }, null, 2));
  }
}

function baseEnv(tmp, extra) {
  const env = { EXTENSIONS_GALLERY: '{}', ...process.env, ...extra };
  env.XDG_CONFIG_HOME = path.join(tmp, 'xdg-config');
  env.XDG_DATA_HOME = path.join(tmp, 'xdg-data');
  // Inside a VS Code terminal this would make code-server hand the folder to that window.
  delete env.VSCODE_IPC_HOOK_CLI;
  return env;
}

function runOnce(bin, args, env, timeoutMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => { clearTimeout(t); reject(e); });
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(bin)} ${args.join(' ')} exited ${code ?? signal}:\n${out}`));
    });
  });
}

/** vscode-remote:// URI of an absolute path on this machine, as the workbench at `authority` sees it. */
function remoteUri(authority, absPath) {
  const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/');
  return `vscode-remote://${authority}${p.startsWith('/') ? p : '/' + p}`;
}

/** A multi-root workspace is opened from its .code-workspace file. */
const isWorkspaceFile = (p) => /\.code-workspace$/.test(p);

/**
 * @param {object} [opts]
 * @param {string} [opts.folder]          workspace folder to open (default: an empty temp folder), or a
 *                                        .code-workspace file (a multi-root workspace)
 * @param {string} [opts.installVsix]     .vsix to install (--install-extension) before starting
 * @param {string[]} [opts.extensions]    unpacked extension folders to copy into the extensions dir
 *                                        (e.g. test fixtures; the workbench takes one development path only)
 * @param {boolean} [opts.workspaceTrust] keep Workspace Trust on (Restricted Mode tests); default off
 * @param {object} [opts.env]             extra environment for the server and so the extension host
 * @param {object} [opts.settings]        extra user settings
 * @param {string} [opts.userDataDir]     reuse this user-data dir (kept on stop)
 * @param {string} [opts.extensionsDir]   reuse this extensions dir (kept on stop)
 */
async function startCodeServer(opts = {}) {
  const bin = codeServerBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`code-server not found at ${bin}; run: bash scripts/install-code-server.sh`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-e2e-'));
  const userDataDir = opts.userDataDir ? path.resolve(opts.userDataDir) : path.join(tmp, 'user-data');
  const extensionsDir = opts.extensionsDir ? path.resolve(opts.extensionsDir) : path.join(tmp, 'extensions');
  const folder = opts.folder ? path.resolve(opts.folder) : path.join(tmp, 'workspace');
  if (!isWorkspaceFile(folder)) fs.mkdirSync(folder, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeSettings(userDataDir, {
    ...DEFAULT_SETTINGS,
    'security.workspace.trust.enabled': !!opts.workspaceTrust,
    ...(opts.settings || {}),
  });
  const env = baseEnv(tmp, opts.env);
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const cleanupTmp = () => {
    if (process.env.STA_E2E_KEEP_TMP) return;
    try { fs.rmSync(tmp, { recursive: true, force: true }); } catch { /* best effort */ }
  };

  try {
    for (const dir of opts.extensions || []) {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      fs.cpSync(dir, path.join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`), { recursive: true });
    }
    if (opts.installVsix) {
      await runOnce(bin, ['--install-extension', path.resolve(opts.installVsix), '--force', ...common], env, 120000);
    }
  } catch (e) {
    cleanupTmp();
    throw e;
  }

  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const args = ['--bind-addr', authority, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']), ...common, folder];
  // Own process group (detached): stop() kills the server, extension host and file watcher together.
  const proc = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const onData = (d) => {
    output += d;
    if (output.length > 500000) output = output.slice(-250000);
    if (VERBOSE) process.stderr.write(String(d).replace(/^/gm, '  [code-server] '));
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  let exited = false;
  const exitP = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { exited = true; resolve(code ?? signal); });
    proc.on('error', (e) => { exited = true; output += String(e); resolve(-1); });
  });

  const server = {
    port,
    authority,
    origin: `http://${authority}`,
    pid: proc.pid,
    folder,
    userDataDir,
    extensionsDir,
    tmp,
    output: () => output,
    remoteUri: (absPath) => remoteUri(authority, absPath),
    /**
     * Workbench URL. devPath: the extension to load from source (extensionDevelopmentPath;
     * the web workbench keeps one: its payload is read into a Map);
     * testsPath: test-electron style suite index (extensionTestsPath) run in the extension host.
     */
    workbenchUrl({ folder: f = folder, devPath, testsPath } = {}) {
      let url = `${server.origin}/?${isWorkspaceFile(f) ? 'workspace' : 'folder'}=${encodeURIComponent(path.resolve(f))}`;
      const payload = devPath ? [['extensionDevelopmentPath', remoteUri(authority, devPath)]] : [];
      if (testsPath) payload.push(['extensionTestsPath', remoteUri(authority, testsPath)]);
      if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    _killSync() {
      try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
      live.delete(server);
      cleanupTmp();
    },
    async stop() {
      if (!live.has(server)) return;
      live.delete(server);
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([exitP, sleep(5000)]);
      // The leader may be gone while children (file watcher, extension host) linger.
      try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* group empty */ }
      await Promise.race([exitP, sleep(2000)]);
      cleanupTmp();
    },
  };
  live.add(server);

  const deadline = Date.now() + 30000;
  for (;;) {
    if (exited) {
      await server.stop();
      throw new Error(`code-server exited before it was up:\n${output}`);
    }
    try {
      const r = await fetch(`${server.origin}/healthz`);
      if (r.ok) break;
    } catch { /* not yet listening */ }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`code-server did not answer ${server.origin}/healthz within 30 s:\n${output}`);
    }
    await sleep(150);
  }
  return server;
}

module.exports = { startCodeServer, codeServerBin, remoteUri, DEFAULT_SETTINGS, REPO_ROOT };
