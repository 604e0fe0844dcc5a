// Runs the extension-host test suite (out/test/extension/index.js, built by
// test/e2e/buildSuite.js from test/extension/**/*.test.ts) with @vscode/test-electron.
//
// Which VS Code:
//   default                      test/e2e/bin/code: the code-server shim (VS Code 1.100.3, offline,
//                                 headless Chromium) — for machines that can neither download desktop
//                                 VS Code nor have a `code` binary (this one, CI)
//   VSCODE_EXECUTABLE_PATH=/p    a desktop VS Code executable you have (needs a display / xvfb)
//   STA_E2E_VSCODE=download      let test-electron download desktop VS Code
//                                 (STA_E2E_VSCODE_VERSION, default 1.100.3) into .vscode-test/
// Each run gets a fresh workspace folder, user-data and extensions dir (removed afterwards). The
// workspace is a cloned repository that means harm: secrets in it, and a .vscode/settings.json that
// asks for auto-start, no excludes and another tracker (an "attacker" that only counts what reaches it).
// The extension host sees STA_E2E=1, STA_E2E_WORKSPACE=<that folder> and STA_E2E_HOSTILE_TRACKER=<its URL>.
//
// A second run opens a multi-root workspace (a .code-workspace with the folders alpha and beta) for the
// tests under test/extension/multiRoot/ (STA_E2E_SUITE=multiRoot; STA_E2E_WORKSPACE_FILE=<the file>).
//   STA_E2E_SUITES=folder|multiRoot|folder,multiRoot (default both)   which runs
'use strict';

const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { runTests } = require('@vscode/test-electron');
const { SECRET_FILES, writeFiles } = require('./fixtures/secretFiles');

const ROOT = path.resolve(__dirname, '..', '..');
const SUITE = path.join(ROOT, 'out', 'test', 'extension', 'index.js');
const SHIM = path.join(__dirname, 'bin', 'code');

/**
 * A tracker a hostile repository names: answers announces like a plain tracker and records every request;
 * GET /__seen lists them (as JSON) for the tests.
 */
function startHostileTracker() {
  const seen = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/__seen') return res.end(JSON.stringify(seen));
    seen.push(`${req.method} ${req.url}`);
    if (req.url.startsWith('/announce')) return res.end('d8:intervali60e5:peers0:e');
    res.statusCode = 404;
    res.end('{"error":"not found"}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The cloned repository: secret files, and workspace settings no repository should get its way with. */
function writeHostileWorkspace(workspace, hostileAnnounce) {
  writeFiles(workspace, SECRET_FILES);
  const settings = {
    'sta.autoStart': true,
    'sta.trackerUrl': hostileAnnounce,
    'sta.exclude': [],
    'sta.bindAddress': '0.0.0.0',
    'sta.localTrackerOnLan': true,
  };
  writeFiles(workspace, { '.vscode/settings.json': JSON.stringify(settings, null, 2) });
}

/** Which VS Code runs the suite: test-electron's options for it, and a line saying which. */
function vscodeOptions() {
  const own = process.env.VSCODE_EXECUTABLE_PATH;
  if (own) return { opts: { vscodeExecutablePath: own }, via: own };
  if (process.env.STA_E2E_VSCODE === 'download') {
    const version = process.env.STA_E2E_VSCODE_VERSION || '1.100.3';
    return { opts: { version }, via: `desktop VS Code ${version} (downloaded by @vscode/test-electron)` };
  }
  return { opts: { vscodeExecutablePath: SHIM }, via: 'code-server shim (test/e2e/bin/code)' };
}

/** Runs the suite on `workspace` (a folder or a .code-workspace) with fresh user data; resolves with an exit code. */
async function runSuite(name, tmp, workspace, env) {
  const { opts: vscode, via } = vscodeOptions();
  const opts = {
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: SUITE,
    launchArgs: [
      workspace,
      '--disable-extensions',
      `--user-data-dir=${path.join(tmp, `user-data-${name}`)}`,
      `--extensions-dir=${path.join(tmp, `extensions-${name}`)}`,
    ],
    extensionTestsEnv: { STA_E2E: '1', ...env },
    ...vscode,
  };
  console.log(`extension-host tests (${name}) via ${via}`);
  try {
    await runTests(opts);
    return 0;
  } catch (e) {
    console.error(`extension-host tests (${name}) failed: ${e && e.message ? e.message : e}`);
    return typeof e?.code === 'number' && e.code !== 0 ? e.code : 1;
  }
}

/** Two folders side by side and the .code-workspace that opens them together (multi-root). */
function writeMultiRootWorkspace(tmp) {
  const dir = path.join(tmp, 'multi');
  for (const f of ['alpha', 'beta']) fs.mkdirSync(path.join(dir, f), { recursive: true });
  const file = path.join(dir, 'team.code-workspace');
  fs.writeFileSync(file, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }], settings: {} }, null, 2));
  return file;
}

async function main() {
  if (!fs.existsSync(SUITE)) {
    console.error(`${path.relative(ROOT, SUITE)} missing: run node test/e2e/buildSuite.js first`);
    return 2;
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
    console.error('dist/extension.js missing: run node esbuild.js first');
    return 2;
  }
  const suites = (process.env.STA_E2E_SUITES || 'folder,multiRoot').split(',');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-ext-tests-'));
  const hostile = await startHostileTracker();
  let code = 0;
  try {
    if (suites.includes('folder')) {
      const workspace = path.join(tmp, 'workspace');
      fs.mkdirSync(workspace);
      const hostileAnnounce = `http://127.0.0.1:${hostile.address().port}/announce`;
      writeHostileWorkspace(workspace, hostileAnnounce);
      code = await runSuite('folder', tmp, workspace, { STA_E2E_WORKSPACE: workspace, STA_E2E_HOSTILE_TRACKER: hostileAnnounce });
    }
    if (suites.includes('multiRoot')) {
      const file = writeMultiRootWorkspace(tmp);
      code = (await runSuite('multiRoot', tmp, file, { STA_E2E_SUITE: 'multiRoot', STA_E2E_WORKSPACE_FILE: file })) || code;
    }
    return code;
  } finally {
    hostile.close();
    if (!process.env.STA_E2E_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
