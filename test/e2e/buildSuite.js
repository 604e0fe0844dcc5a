// Builds the extension-host test suite: test/extension/index.ts (mocha runner,
// test-electron's extensionTestsPath) and every test/extension/**/*.test.ts, each
// bundled on its own into out/test/extension/ (CommonJS, node20, `vscode` external,
// mocha bundled into index.js so the extension host needs no node_modules for it).
// Adding a file test/extension/<name>.test.ts is enough for it to run.
'use strict';

const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'test', 'extension');
const OUT = path.join(ROOT, 'out', 'test', 'extension');

function tests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

async function main() {
  fs.rmSync(OUT, { recursive: true, force: true }); // no stale tests from deleted files
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external: ['vscode'],
    logLevel: 'warning',
    // mocha's parallel mode (unused here) require.resolve()s files next to it.
    logOverride: { 'require-resolve-not-external': 'silent' },
    absWorkingDir: ROOT,
  };
  await esbuild.build({ ...common, entryPoints: [path.join(SRC, 'index.ts')], outfile: path.join(OUT, 'index.js') });
  const entries = tests(SRC);
  if (entries.length === 0) throw new Error(`no *.test.ts under ${SRC}`);
  await esbuild.build({ ...common, entryPoints: entries, outbase: SRC, outdir: OUT, external: ['vscode', 'mocha'] });
  console.log(`built extension-host suite: index.js + ${entries.length} test file(s) in ${path.relative(ROOT, OUT)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
