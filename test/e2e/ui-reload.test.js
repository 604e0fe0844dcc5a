// UI test: a window reload mid-download. The user has sta.autoStart on; a teammate seeds a file slowly;
// the user requests it, reloads the window (Developer: Reload Window: a new extension host) part-way, and
// sees the Transfers row come back and finish, the file byte for byte in the workspace.
'use strict';

const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ui = require('./ui');
const { portIsFree, sha256File, startCli, waitUntil } = require('./scenarios');
const { freePort } = require('../helpers/freePort');

const FILE_NAME = 'survey-2026.bin';
const SIZE = 40 * 1024 * 1024;

/** The text after the label of a row, '' while it is not shown. */
const descriptionOf = async (row) => ((await row.locator('.label-description').textContent().catch(() => '')) || '').trim();

describe('UI: a download survives a window reload', function () {
  this.timeout(180000);

  it('Request, reload mid-download: the Transfers row comes back and finishes', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-e2e-reload-'));
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    const source = path.join(tmp, FILE_NAME);
    fs.writeFileSync(source, crypto.randomBytes(SIZE));
    const expectedSha = await sha256File(source);
    let tracker;
    let seeder;
    let wb;
    try {
      tracker = await startCli(['tracker', '--host', '127.0.0.1', '--port', '0', '--json'], { ready: (o) => typeof o.announce === 'string', label: 'tracker' });
      const announce = tracker.first.announce;
      // 2 MiB/s: the download lasts ~20 s, time to reload part-way
      seeder = await startCli(['share', source, '--tracker', announce, '--host', '127.0.0.1', '--max-upload-rate', '2M', '--json'], {
        ready: (o) => o.type === 'sharing', env: { XDG_CACHE_HOME: path.join(tmp, 'cache') }, label: 'share',
      });
      const port = await freePort();
      wb = await ui.openWorkbench({
        folder: workspace,
        settings: { 'sta.trackerUrl': announce, 'sta.bindAddress': '127.0.0.1', 'sta.listenPort': port, 'sta.autoStart': true },
      });
      const { page } = wb;
      // autoStart: the first Start in this workspace still asks
      await ui.answerDialog(page, 'Share', { timeout: 60000 });
      await ui.openViewContainer(page, 'STA');
      const remote = ui.viewRow(page, 'Tracker Files', FILE_NAME);
      await remote.waitFor({ timeout: 30000 });
      await remote.click();

      const row = ui.viewRow(page, 'Transfers', FILE_NAME);
      // with auto-start the catalog refreshes right after Start: a click that lands while Tracker Files
      // re-renders only selects the row, so click again, as a user would (at most twice more)
      for (let tries = 0; tries < 2; tries++) {
        if (await row.waitFor({ timeout: 5000 }).then(() => true, () => false)) break;
        await remote.click();
      }
      const before = await waitUntil(async () => {
        const d = await descriptionOf(row);
        const pct = Number(/^([\d.]+)%/.exec(d)?.[1]);
        return pct >= 15 && pct < 80 && d;
      }, { timeoutMs: 30000, every: 100, what: 'the download part-way (15-80 %)' });

      await ui.runCommand(page, 'Developer: Reload Window');
      await page.waitForLoadState('load');
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60000 });
      await ui.waitForStatusBarItem(page, { timeout: 60000 });
      await ui.openViewContainer(page, 'STA');
      const back = ui.viewRow(page, 'Transfers', FILE_NAME);
      await back.waitFor({ timeout: 30000 });
      const seen = [];
      await waitUntil(async () => {
        const d = await descriptionOf(back);
        if (d && seen[seen.length - 1] !== d) seen.push(d);
        return /^100% · seeding/.test(d);
      }, { timeoutMs: 60000, every: 100, what: () => `the row back and at 100% · seeding; before the reload "${before}", then ${JSON.stringify(seen)}` });

      const landed = path.join(workspace, FILE_NAME);
      assert.strictEqual(await sha256File(landed), expectedSha, 'SHA-256 of the file downloaded across the reload');
      assert.ok(!(await portIsFree(port)), 'STA runs after the reload (auto-start)');
      assert.deepStrictEqual(wb.errors, [], 'page errors');
    } catch (e) {
      if (wb) await ui.screenshot(wb.page, path.join(ui.REPO_ROOT, 'out', 'e2e', 'reload-failed.png')).catch(() => {});
      throw e;
    } finally {
      if (wb) await wb.close();
      if (seeder) await seeder.proc.stop();
      if (tracker) await tracker.proc.stop();
      if (!process.env.STA_E2E_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
