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
// Each run gets a fresh empty workspace folder, user-data and extensions dir (removed afterwards).
// The extension host sees STA_E2E=1 and STA_E2E_WORKSPACE=<that folder>.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { runTests } = require('@vscode/test-electron');

const ROOT = path.resolve(__dirname, '..', '..');
const SUITE = path.join(ROOT, 'out', 'test', 'extension', 'index.js');
const SHIM = path.join(__dirname, 'bin', 'code');

async function main() {
  if (!fs.existsSync(SUITE)) {
    console.error(`${path.relative(ROOT, SUITE)} missing: run node test/e2e/buildSuite.js first`);
    return 2;
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
    console.error('dist/extension.js missing: run node esbuild.js first');
    return 2;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-ext-tests-'));
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);

  const opts = {
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: SUITE,
    launchArgs: [
      workspace,
      '--disable-extensions',
      `--user-data-dir=${path.join(tmp, 'user-data')}`,
      `--extensions-dir=${path.join(tmp, 'extensions')}`,
    ],
    extensionTestsEnv: { STA_E2E: '1', STA_E2E_WORKSPACE: workspace },
  };
  let via;
  if (process.env.VSCODE_EXECUTABLE_PATH) {
    opts.vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH;
    via = opts.vscodeExecutablePath;
  } else if (process.env.STA_E2E_VSCODE === 'download') {
    opts.version = process.env.STA_E2E_VSCODE_VERSION || '1.100.3';
    via = `desktop VS Code ${opts.version} (downloaded by @vscode/test-electron)`;
  } else {
    opts.vscodeExecutablePath = SHIM;
    via = 'code-server shim (test/e2e/bin/code)';
  }
  console.log(`extension-host tests via ${via}`);
  try {
    await runTests(opts);
    return 0;
  } catch (e) {
    console.error(`extension-host tests failed: ${e && e.message ? e.message : e}`);
    return typeof e?.code === 'number' && e.code !== 0 ? e.code : 1;
  } finally {
    if (!process.env.STA_E2E_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
