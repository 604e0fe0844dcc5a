// A stand-in for the desktop `code` executable, for @vscode/test-electron's
// runTests({ vscodeExecutablePath: 'test/e2e/bin/code', ... }) on machines that
// cannot download desktop VS Code: it runs the extension-host test suite in
// code-server (VS Code 1.100.3's server + web workbench in headless Chromium).
//
// Accepts the flags test-electron passes:
//   [WORKSPACE_FOLDER | FILE.code-workspace] --extensionDevelopmentPath=DIR (once) --extensionTestsPath=INDEX_JS
//   [--user-data-dir=DIR] [--extensions-dir=DIR]   (others, e.g. --disable-extensions, are ignored)
// opens http://127.0.0.1:PORT/?folder=WS (or ?workspace=FILE.code-workspace)&payload=[["extensionDevelopmentPath",...],["extensionTestsPath",...]],
// prints the extension host's console (the mocha reporter) to stdout and exits
// with the code the workbench hands to window.codeAutomationExit (0 passed, 1 failed);
// 2 = harness error or timeout (STA_E2E_TIMEOUT_MS, default 10 min).
// The environment of this process (incl. test-electron's extensionTestsEnv) reaches the extension host.
'use strict';

const path = require('path');
const { startCodeServer } = require('./codeServer');
const { launchBrowser, forwardExtensionHostConsole } = require('./ui');

// VS Code flags that take a value when written as `--flag value` rather than `--flag=value`.
const VALUE_FLAGS = new Set([
  'extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir', 'extensionDevelopmentKind',
  'locale', 'log', 'profile', 'folder-uri', 'file-uri', 'remote', 'inspect-extensions', 'inspect-brk-extensions',
  'crash-reporter-directory', 'sync', 'category', 'install-extension', 'uninstall-extension', 'enable-proposed-api',
]);

function parseArgs(argv) {
  const o = { devPaths: [], testsPath: undefined, userDataDir: undefined, extensionsDir: undefined, folder: undefined, ignored: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/s.exec(a);
    if (!m) {
      if (o.folder === undefined) o.folder = path.resolve(a);
      else o.ignored.push(a);
      continue;
    }
    const [, name] = m;
    let val = m[2];
    if (val === undefined && VALUE_FLAGS.has(name) && i + 1 < argv.length) val = argv[++i];
    switch (name) {
      case 'extensionDevelopmentPath': o.devPaths.push(path.resolve(val)); break;
      case 'extensionTestsPath': o.testsPath = path.resolve(val); break;
      case 'user-data-dir': o.userDataDir = path.resolve(val); break;
      case 'extensions-dir': o.extensionsDir = path.resolve(val); break;
      default: o.ignored.push(val === undefined ? a : `--${name}=${val}`);
    }
  }
  return o;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.testsPath || args.devPaths.length === 0) {
    console.error('usage: code [WORKSPACE] --extensionDevelopmentPath=DIR --extensionTestsPath=INDEX_JS [--user-data-dir=DIR] [--extensions-dir=DIR]');
    return 2;
  }
  if (args.devPaths.length > 1) {
    console.error('code shim: one --extensionDevelopmentPath only (the web workbench keeps the last of its payload entries)');
    return 2;
  }
  const timeoutMs = Number(process.env.STA_E2E_TIMEOUT_MS) || 600000;
  const t0 = Date.now();
  let server;
  let browser;
  let code = 2;
  let shuttingDown = false;
  const cleanup = async () => {
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      if (shuttingDown) return;
      shuttingDown = true;
      console.error(`code shim: ${sig}, stopping`);
      cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
  try {
    server = await startCodeServer({
      folder: args.folder, userDataDir: args.userDataDir, extensionsDir: args.extensionsDir,
    });
    browser = await launchBrowser();
    const page = await browser.newPage();
    let exit;
    const exited = new Promise((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationExit', (c) => exit(Number(c) || 0));
    const out = forwardExtensionHostConsole(page);
    page.on('pageerror', (e) => process.env.STA_E2E_VERBOSE && console.error('  [page error]', e.message));
    const url = server.workbenchUrl({ devPath: args.devPaths[0], testsPath: args.testsPath });
    console.log(`code shim: VS Code 1.100.3 (code-server) at ${server.origin}, workspace ${server.folder}`);
    if (args.ignored.length) console.log(`code shim: ignoring ${args.ignored.join(' ')}`);
    await page.goto(url);
    let timer;
    const r = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    await out.flush();
    if (r === 'timeout') console.error(`code shim: no result from the extension host after ${timeoutMs} ms`);
    else code = r;
  } catch (e) {
    console.error('code shim: harness error:', e && e.stack ? e.stack : e);
  } finally {
    if (code === 2 && server) console.error('--- code-server output ---\n' + server.output().slice(-20000));
    await cleanup();
  }
  console.log(`code shim: extension tests exited ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return code;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
}

module.exports = { parseArgs, main };
