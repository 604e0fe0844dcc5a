// Test-electron style entry point of the extension-host test suite: VS Code (or
// code-server through test/e2e/bin/code) loads the built out/test/extension/index.js
// as extensionTestsPath and awaits run(). It runs every *.test.js built next to
// it (from test/extension/**/*.test.ts) with mocha, bdd ui, no colours.
//   STA_E2E_GREP=<regexp>  only the tests whose full title matches
//   STA_E2E_SUITE=multiRoot  the tests under multiRoot/ (run in a two-folder workspace); otherwise all the others
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/** Suites that need a workspace of their own: a folder under this one's name, run when STA_E2E_SUITE names it. */
const OWN_WORKSPACE = ['multiRoot'];

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(p));
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

/** The files of the suite STA_E2E_SUITE names, or (none named) every file outside the suites with a workspace of their own. */
function suiteFiles(dir: string): string[] {
  const suite = process.env.STA_E2E_SUITE;
  if (suite) return OWN_WORKSPACE.includes(suite) ? testFiles(path.join(dir, suite)) : [];
  return testFiles(dir).filter((f) => !OWN_WORKSPACE.includes(path.relative(dir, f).split(path.sep)[0]));
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    reporter: 'spec',
    timeout: Number(process.env.STA_E2E_TEST_TIMEOUT_MS) || 60000,
  });
  if (process.env.STA_E2E_GREP) mocha.grep(new RegExp(process.env.STA_E2E_GREP));
  const files = suiteFiles(__dirname);
  if (files.length === 0) return Promise.reject(new Error(`no *.test.js files in ${__dirname} for suite ${process.env.STA_E2E_SUITE ?? '(default)'}`));
  for (const f of files) mocha.addFile(f);

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const { passes = 0, pending = 0 } = runner.stats ?? {};
        // The plain closing line CI logs are read for.
        console.log(`extension-host: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else if (passes === 0) reject(new Error('no extension-host test ran'));
        else resolve();
      });
    } catch (e) {
      reject(e);
    }
  });
}
