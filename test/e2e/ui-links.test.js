// UI test (issue 12): STA: Open Magnet Link or .torrent… from the palette. A teammate (headless `sta share`) seeds
// a file through an STA tracker; the user starts STA, runs the command, cancels the fetch of a magnet nobody seeds,
// types a broken link (the box says what is wrong), pastes the magnet, answers Download in the modal that names
// the file, its size and where it lands, and sees the file in Transfers at 100 % — on disk byte for byte.
'use strict';

const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ui = require('./ui');
const { startCli, waitUntil, sha256File } = require('./scenarios');

describe('UI: open a magnet link (STA from source)', function () {
  this.timeout(180000);

  it('palette → paste a magnet → Download in the modal → Transfers at 100 %, the file on disk', async () => {
    const FILE = 'links-report.bin';
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-e2e-links-'));
    const seedDir = path.join(tmp, 'teammate');
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(seedDir);
    fs.mkdirSync(workspace);
    fs.writeFileSync(path.join(workspace, 'notes.md'), '# Notes\n');
    const data = crypto.randomBytes(3 * 1024 * 1024 + 11);
    fs.writeFileSync(path.join(seedDir, FILE), data);
    let tracker;
    let seeder;
    let wb;
    try {
      tracker = await startCli(['tracker', '--host', '127.0.0.1', '--port', '0', '--json'], { ready: (o) => typeof o.announce === 'string', label: 'tracker' });
      const announce = tracker.first.announce;
      seeder = await startCli(['share', path.join(seedDir, FILE), '--tracker', announce, '--host', '127.0.0.1', '--json'], {
        ready: (o) => o.type === 'sharing', env: { XDG_CACHE_HOME: path.join(tmp, 'cache') }, label: 'share',
      });
      const infoHash = seeder.first.infoHash;
      const magnet = `magnet:?xt=urn:btih:${infoHash}&dn=${FILE}&tr=${encodeURIComponent(announce)}`;

      wb = await ui.openWorkbench({ folder: workspace, settings: { 'sta.trackerUrl': announce, 'sta.bindAddress': '127.0.0.1' } });
      const { page } = wb;
      await page.locator('.part.activitybar a.action-label[aria-label^="STA"]').first().waitFor({ timeout: 60000 });
      await ui.runCommand(page, 'STA: Start');
      await ui.answerDialog(page, 'Share');

      const widget = page.locator('.quick-input-widget');
      const input = widget.locator('.quick-input-box input');
      const openBox = async () => {
        await ui.runCommand(page, 'STA: Open Magnet Link or .torrent…');
        await widget.locator('.quick-input-title', { hasText: 'STA: Open Magnet Link or .torrent' }).waitFor({ timeout: 15000 });
      };

      // a magnet nobody seeds: the peers are asked under a notification; its Cancel ends it, nothing asked or written
      await openBox();
      await input.fill(`magnet:?xt=urn:btih:${'0'.repeat(40)}&dn=ghost.bin`);
      await page.keyboard.press('Enter');
      const fetching = await ui.waitForNotification(page, "STA: Fetching the torrent's details from peers…");
      await fetching.locator('.monaco-button', { hasText: /^\s*Cancel\s*$/ }).first().click();
      await fetching.waitFor({ state: 'hidden', timeout: 10000 });
      await page.waitForTimeout(1000);
      assert.strictEqual(await page.locator('.monaco-dialog-box').count(), 0, 'no question after Cancel');
      assert.deepStrictEqual((await ui.notifications(page)).filter((t) => /could not/.test(t)), [], 'no error after Cancel');
      assert.strictEqual(fs.existsSync(path.join(workspace, 'ghost.bin')), false);

      await openBox();
      await input.fill('magnet:?xt=urn:btih:1234');
      await widget.locator('.quick-input-message', { hasText: 'no BitTorrent v1 info-hash' }).waitFor({ timeout: 10000 });
      await input.fill(magnet);
      await page.keyboard.press('Enter');

      const question = await ui.answerDialog(page, 'Download', { timeout: 60000 });
      assert.strictEqual(question.message, `Download ${FILE} (3.0 MiB) to ${FILE}?`);
      assert.match(question.detail, new RegExp(`Info-hash ${infoHash}`));

      const row = ui.viewRow(page, 'Transfers', FILE);
      await row.waitFor({ timeout: 30000 });
      const seen = [];
      await waitUntil(async () => {
        const d = ((await row.locator('.label-description').textContent().catch(() => '')) || '').trim();
        if (d && seen[seen.length - 1] !== d) seen.push(d);
        return /^100% · seeding/.test(d);
      }, { timeoutMs: 60000, every: 100, what: () => `Transfers row at 100% · seeding; seen ${JSON.stringify(seen)}` });
      const landed = path.join(workspace, FILE);
      await waitUntil(() => fs.existsSync(landed) && fs.statSync(landed).size === data.length, { timeoutMs: 10000, what: `${landed} complete` });
      assert.strictEqual(await sha256File(landed), crypto.createHash('sha256').update(data).digest('hex'));
      assert.deepStrictEqual(wb.errors, [], 'page errors');
    } catch (e) {
      if (wb) await ui.screenshot(wb.page, path.join(ui.REPO_ROOT, 'out', 'e2e', 'ui-links-failed.png')).catch(() => {});
      throw e;
    } finally {
      if (wb) await wb.close();
      if (seeder) await seeder.proc.stop();
      if (tracker) await tracker.proc.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
