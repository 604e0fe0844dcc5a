// UI test of the packaged extension, as users install it: the .vsix from STA_E2E_VSIX
// (e.g. `npm run package` → sta-<version>.vsix), or one built here with
// `vsce package --no-dependencies`, is checked (small, no node_modules, has dist/) and
// installed into code-server, then the download scenario of ui-download runs against it.
'use strict';

const assert = require('assert');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ui = require('./ui');
const { downloadScenario } = require('./scenarios');

/** Entry names of a zip file, from its central directory (no zip64: a .vsix is small). */
function zipEntries(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(off) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const nameLen = buf.readUInt16LE(off + 28);
    const extraLen = buf.readUInt16LE(off + 30);
    const commentLen = buf.readUInt16LE(off + 32);
    names.push(buf.toString('utf8', off + 46, off + 46 + nameLen));
    off += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

describe('UI: the packaged .vsix installed into VS Code', function () {
  this.timeout(120000);
  let tmp;
  let vsix;

  before(function () {
    this.timeout(60000);
    if (process.env.STA_E2E_VSIX) {
      vsix = path.resolve(process.env.STA_E2E_VSIX);
      return;
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-e2e-vsix-'));
    vsix = path.join(tmp, 'sta.vsix');
    const vsce = path.join(ui.REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const args = [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix];
    execFileSync(process.execPath, args, { cwd: ui.REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 50000 });
  });

  after(() => {
    if (tmp && !process.env.STA_E2E_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is small, without node_modules, and holds the bundles', () => {
    const size = fs.statSync(vsix).size;
    assert.ok(size < 1024 * 1024, `${vsix} is ${size} bytes, over 1 MB`);
    const names = zipEntries(vsix);
    assert.deepStrictEqual(names.filter((n) => /(^|\/)node_modules\//.test(n)), [], 'node_modules entries');
    for (const need of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/cli.js']) {
      assert.ok(names.includes(need), `${need} missing from the .vsix: ${names.join(', ')}`);
    }
    const stray = names.filter((n) => /^extension\/(src|test|out|scripts|bench|\.vscode-test)\/|\.map$|\.ts$/.test(n));
    assert.deepStrictEqual(stray, [], 'sources, tests or maps in the .vsix');
  });

  it('installs and downloads a shared file through the workbench', async () => {
    await downloadScenario({ vsix, screenshots: [path.join(ui.REPO_ROOT, 'out', 'e2e', 'ui-vsix.png')] });
  });
});
