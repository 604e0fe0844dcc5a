// A fresh window: STA active but off shows no status bar item; the Tracker Files welcome view's
// "Get Started with STA" link opens the walkthrough (start or join a tracker, share, fetch).
'use strict';

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ui = require('./ui');

const SHOTS = path.join(ui.REPO_ROOT, 'out', 'e2e');

describe('UI: a fresh window and the walkthrough', function () {
  this.timeout(180000);
  let wb;
  let folder;

  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-ui-walk-'));
    fs.writeFileSync(path.join(folder, 'hello.txt'), 'hello\n');
    // the probe activates STA at startup and says so in the status bar
    wb = await ui.openWorkbench({ folder, extensions: [ui.ACTIVATION_PROBE], viewport: { width: 1400, height: 1000 } });
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

  it('shows no STA item in the status bar while STA is off with no transfer', async () => {
    const probe = await ui.waitForStatusBarItem(wb.page, { text: 'sta-probe:', timeout: 90000 });
    assert.strictEqual((await probe.innerText()).trim(), `sta-probe: ${ui.EXTENSION_ID} active`);
    await new Promise((r) => setTimeout(r, 1000)); // a first render would be there by now
    const items = await wb.page.locator(`.part.statusbar .statusbar-item[id^="${ui.EXTENSION_ID}"]`).allInnerTexts();
    assert.deepStrictEqual(items, [], 'STA status bar items in a fresh window');
  });

  it('opens the walkthrough from the Tracker Files welcome view', async () => {
    const { page } = wb;
    const sidebar = await ui.openViewContainer(page, 'STA');
    const link = sidebar.locator('a', { hasText: 'Get Started with STA' }).first();
    await link.waitFor({ timeout: 30000 });
    await link.click();
    const editor = page.locator('.part.editor .gettingStartedContainer').first();
    await editor.waitFor({ timeout: 30000 });
    await editor.locator('text=Get Started with STA').first().waitFor({ timeout: 30000 });
    for (const step of ['Start or join a tracker', 'Share this workspace', 'Fetch a teammate\'s file']) {
      await editor.locator('.getting-started-step', { hasText: step }).first().waitFor({ timeout: 10000 });
    }
    await ui.screenshot(page, path.join(SHOTS, 'ui-walkthrough.png'));
    assert.deepStrictEqual(wb.errors, [], 'page errors');
  });
});
