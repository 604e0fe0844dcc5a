// UI smoke test: the real VS Code 1.100.3 workbench (code-server + headless Chromium)
// with the STA extension loaded from source. Run: mocha --no-config test/e2e/*.test.js
// Screenshots go to out/e2e/ (ui-smoke.png, and <test>-failed.png on failure).
'use strict';

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ui = require('./ui');

const pkg = JSON.parse(fs.readFileSync(path.join(ui.REPO_ROOT, 'package.json'), 'utf8'));
const SHOTS = path.join(ui.REPO_ROOT, 'out', 'e2e');

function nls(s) {
  const m = /^%(.+)%$/.exec(s || '');
  if (!m) return s;
  try {
    return JSON.parse(fs.readFileSync(path.join(ui.REPO_ROOT, 'package.nls.json'), 'utf8'))[m[1]] || s;
  } catch {
    return s;
  }
}

/** Palette titles ("Category: Title") of the contributed commands not always hidden from the palette (when: false). */
function paletteCommands() {
  const hidden = new Set(((pkg.contributes && pkg.contributes.menus && pkg.contributes.menus.commandPalette) || [])
    .filter((m) => m.when === 'false').map((m) => m.command));
  return ((pkg.contributes && pkg.contributes.commands) || [])
    .filter((c) => !hidden.has(c.command) && !c.enablement)
    .map((c) => (c.category ? `${nls(c.category)}: ${nls(c.title)}` : nls(c.title)));
}

describe('UI smoke: workbench with STA loaded from source', function () {
  this.timeout(180000);
  let wb;
  let folder;

  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-ui-ws-'));
    fs.writeFileSync(path.join(folder, 'hello.txt'), 'hello from the STA e2e workspace\n');
    // The activation probe activates STA at startup and reports the outcome in the status bar.
    wb = await ui.openWorkbench({ folder, extensions: [ui.ACTIVATION_PROBE], viewport: { width: 1400, height: 1400 } });
  });

  afterEach(async function () {
    if (wb && this.currentTest.state === 'failed') {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      await ui.screenshot(wb.page, path.join(SHOTS, `${name}-failed.png`)).catch(() => {});
    }
  });

  after(async () => {
    if (wb) await wb.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('loads the workbench with the workspace folder', async () => {
    const { page } = wb;
    await page.locator('.part.activitybar .action-item').first().waitFor();
    await ui.treeRow(page, 'hello.txt').waitFor({ timeout: 60000 });
    assert.match(await page.title(), /Extension Development Host/);
  });

  it('activates the extension in the extension host', async () => {
    const item = await ui.waitForStatusBarItem(wb.page, { text: 'sta-probe:', timeout: 90000 });
    assert.strictEqual((await item.innerText()).trim(), `sta-probe: ${ui.EXTENSION_ID} active`);
  });

  it('lists the extension among the running extensions', async () => {
    const { page } = wb;
    await ui.runCommand(page, 'Developer: Show Running Extensions');
    // Listed by display name, or by id for an extension loaded from a development path.
    const names = [pkg.displayName, ui.EXTENSION_ID].filter(Boolean).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const row = page.locator('.part.editor .monaco-list-row', {
      has: page.locator('.name', { hasText: new RegExp(`^(${names.join('|')})$`) }),
    });
    await row.first().waitFor({ timeout: 30000 });
    assert.match(await row.first().innerText(), /Activation/);
    await ui.screenshot(page, path.join(SHOTS, 'ui-smoke.png'));
  });

  it('lists its commands in the command palette', async function () {
    const titles = paletteCommands();
    assert.ok(titles.includes('STA: Start'), `palette commands from package.json: ${titles.join(', ')}`);
    for (const title of ['STA: Start', 'STA: Request', 'STA: Start Local Tracker']) await ui.runCommand(wb.page, title, { run: false });
  });
});
