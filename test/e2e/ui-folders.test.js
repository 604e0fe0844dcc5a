// UI test: Tracker Files as a folder tree. A teammate shares a folder (`sta share DIR`); the user expands its
// folder rows, which show the file count and size, clicks a file and finds it in the workspace at its catalog
// path; then the folder row's download action, after a confirmation naming the count and size, fetches the rest.
'use strict';

const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ui = require('./ui');
const { sha256File, startCli, waitUntil } = require('./scenarios');

const MiB = 1024 * 1024;
/** The teammate's folder: catalog path → size. */
const FILES = { 'datasets/2026/train.bin': 3 * MiB, 'datasets/2026/val.bin': MiB, 'datasets/labels.csv': 4096 };

/** The text after the label of a row, '' while it is not shown. */
const descriptionOf = async (row) => ((await row.locator('.label-description').textContent().catch(() => '')) || '').trim();

describe('UI: Tracker Files folders', function () {
  this.timeout(180000);

  it('expand a folder row, click a file: it lands at its path; a folder\'s download action fetches the rest', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-e2e-folders-'));
    const workspace = path.join(tmp, 'workspace');
    const team = path.join(tmp, 'teammate');
    fs.mkdirSync(workspace);
    for (const [rel, size] of Object.entries(FILES)) {
      fs.mkdirSync(path.dirname(path.join(team, rel)), { recursive: true });
      fs.writeFileSync(path.join(team, rel), crypto.randomBytes(size));
    }
    let tracker;
    let seeder;
    let wb;
    try {
      tracker = await startCli(['tracker', '--host', '127.0.0.1', '--port', '0', '--json'], { ready: (o) => typeof o.announce === 'string', label: 'tracker' });
      const announce = tracker.first.announce;
      seeder = await startCli(['share', team, '--tracker', announce, '--host', '127.0.0.1', '--json'], {
        ready: (o) => o.type === 'sharing', env: { XDG_CACHE_HOME: path.join(tmp, 'cache') }, label: 'share',
      });
      await waitUntil(async () => {
        const files = (await (await fetch(tracker.first.catalog)).json()).files;
        return files.length === Object.keys(FILES).length;
      }, { timeoutMs: 20000, what: 'the three files in the catalog' });

      wb = await ui.openWorkbench({
        folder: workspace,
        settings: { 'sta.trackerUrl': announce, 'sta.bindAddress': '127.0.0.1', 'sta.catalogRefreshSeconds': 2 },
        viewport: { width: 1280, height: 800 },
      });
      const { page } = wb;
      await page.locator('.part.activitybar a.action-label[aria-label^="STA"]').first().waitFor({ timeout: 60000 });
      await ui.runCommand(page, 'STA: Start');
      await ui.answerDialog(page, 'Share');
      await ui.openViewContainer(page, 'STA');
      await ui.widenSidebar(page, 560);

      // the top row is the folder, with what is under it
      const datasets = ui.viewRow(page, 'Tracker Files', 'datasets');
      await datasets.waitFor({ timeout: 30000 });
      assert.strictEqual(await descriptionOf(datasets), '3 files · 4.0 MiB');
      assert.strictEqual(await datasets.getAttribute('aria-expanded'), 'false');
      await datasets.click();
      const year = ui.viewRow(page, 'Tracker Files', '2026');
      await year.waitFor({ timeout: 10000 });
      assert.strictEqual(await descriptionOf(year), '2 files · 4.0 MiB');
      await ui.viewRow(page, 'Tracker Files', 'labels.csv').waitFor({ timeout: 10000 });
      await year.click();
      const train = ui.viewRow(page, 'Tracker Files', 'train.bin');
      await train.waitFor({ timeout: 10000 });
      assert.match(await descriptionOf(train), /^3\.0 MiB · 1 seeding, 0 downloading · not in workspace$/);

      // a click requests it: it lands at its catalog path, folders made on the way
      await train.click();
      const landed = path.join(workspace, 'datasets', '2026', 'train.bin');
      await waitUntil(() => fs.existsSync(landed) && fs.statSync(landed).size === FILES['datasets/2026/train.bin'], {
        timeoutMs: 60000, what: `${landed} complete`,
      });
      assert.strictEqual(await sha256File(landed), await sha256File(path.join(team, 'datasets', '2026', 'train.bin')));
      await waitUntil(async () => /· ✓ in workspace$/.test(await descriptionOf(train)), { timeoutMs: 20000, what: 'train.bin marked ✓ in workspace' });

      // the folder row's download action: a confirmation naming what it fetches, then the rest lands
      await datasets.hover();
      await datasets.locator('.actions .action-label[aria-label*="Request"]').click();
      const { message } = await ui.answerDialog(page, 'Download');
      assert.strictEqual(message, 'Download 2 files (1.0 MiB) under datasets/?');
      for (const rel of ['datasets/2026/val.bin', 'datasets/labels.csv']) {
        const file = path.join(workspace, ...rel.split('/'));
        await waitUntil(() => fs.existsSync(file) && fs.statSync(file).size === FILES[rel], { timeoutMs: 60000, what: `${file} complete` });
        assert.strictEqual(await sha256File(file), await sha256File(path.join(team, ...rel.split('/'))), rel);
      }
      for (const name of ['val.bin', 'labels.csv']) {
        const done = ui.viewRow(page, 'Transfers', name);
        await waitUntil(async () => /^100% · seeding/.test(await descriptionOf(done)), { timeoutMs: 20000, what: `Transfers: ${name} at 100% · seeding` });
        const mark = ui.viewRow(page, 'Tracker Files', name);
        await waitUntil(async () => /· ✓ in workspace$/.test(await descriptionOf(mark)), { timeoutMs: 20000, what: `${name} marked ✓ in workspace` });
      }
      await page.mouse.move(1000, 200); // no hover tooltip over the trees
      await ui.screenshot(page, path.join(ui.REPO_ROOT, 'out', 'e2e', 'ui-folders.png'));
      assert.deepStrictEqual(wb.errors, [], 'page errors');
    } catch (e) {
      if (wb) await ui.screenshot(wb.page, path.join(ui.REPO_ROOT, 'out', 'e2e', 'folders-failed.png')).catch(() => {});
      if (seeder && process.env.STA_E2E_VERBOSE) console.log(seeder.proc.log());
      throw e;
    } finally {
      if (wb) await wb.close();
      if (seeder) await seeder.proc.stop();
      if (tracker) await tracker.proc.stop();
      if (!process.env.STA_E2E_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
