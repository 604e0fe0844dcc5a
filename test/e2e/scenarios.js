// End-to-end scenarios shared by the UI tests (extension loaded from source, or an
// installed .vsix): what a person does in the workbench, checked on disk and on the wire.
//
//   const { downloadScenario } = require('./scenarios');
//   await downloadScenario({ vsix, screenshots: [path] });
//
// A tracker and a headless seeder (`dist/cli.js tracker|share`) run as child processes in
// their own process groups, killed by PID on the way out; everything binds 127.0.0.1.
'use strict';

const assert = require('assert');
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const ui = require('./ui');

const CLI = path.join(ui.REPO_ROOT, 'dist', 'cli.js');
const VERBOSE = !!process.env.STA_E2E_VERBOSE;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Children still running; SIGKILLed (whole group) if the test process exits without stopping them.
const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

/**
 * Runs `node dist/cli.js ARGS` in its own process group; resolves with
 * { proc, first } once a JSON stdout line satisfies `ready` (within timeoutMs).
 * proc.stop() ends the group (SIGTERM, then SIGKILL after 3 s).
 */
function startCli(args, { ready, env, timeoutMs = 30000, label = args[0] } = {}) {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(proc);
  let log = '';
  let exited = false;
  const exitP = new Promise((resolve) => proc.on('exit', () => { exited = true; children.delete(proc); resolve(); }));
  proc.stop = async () => {
    if (exited) return;
    try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ }
    await Promise.race([exitP, sleep(3000)]);
    try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
    await Promise.race([exitP, sleep(2000)]);
  };
  proc.log = () => log;
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) void proc.stop().then(() => reject(err));
      else resolve({ proc, first: value });
    };
    const timer = setTimeout(() => finish(new Error(`sta ${label}: not ready within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    proc.stdout.on('data', (d) => {
      log += d;
      buf += d;
      if (VERBOSE) process.stderr.write(String(d).replace(/^/gm, `  [sta ${label}] `));
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          const obj = JSON.parse(line);
          if (ready(obj)) finish(null, obj);
        } catch { /* not JSON */ }
      }
    });
    proc.stderr.on('data', (d) => {
      log += d;
      if (VERBOSE) process.stderr.write(String(d).replace(/^/gm, `  [sta ${label}] `));
    });
    proc.on('error', (e) => finish(e));
    exitP.then(() => finish(new Error(`sta ${label} exited before it was ready:\n${log}`)));
  });
}

/** Polls fn() every `every` ms until it returns a truthy value; throws `what` after timeoutMs. */
async function waitUntil(fn, { timeoutMs, every = 200, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === 'function' ? what() : what}`);
    await sleep(every);
  }
}

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file).on('error', reject).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex')));
  });
}

/** true when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
function portIsFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * The download scenario, as a person does it:
 * a teammate (headless `sta share`) seeds FILE_NAME through a tracker; in an empty
 * workspace the user runs STA: Start, answers Share to the first-Start question (which must name
 * the file count and the tracker), opens the STA container, clicks the file in
 * Tracker Files, watches Transfers reach 100% / seeding and the status bar show the
 * percentage then "done", and stops STA. Checks the file's SHA-256 in the workspace
 * and that the peer port is released.
 *
 * @param {object} [opts]
 * @param {string} [opts.vsix]            install this .vsix instead of loading the extension from source
 * @param {string[]} [opts.screenshots]   PNG paths to save the STA container (at 100% / seeding) to
 * @param {(s: string) => void} [opts.log]
 * @returns {Promise<{timings: object, statusTexts: string[], descriptions: string[]}>}
 */
async function downloadScenario(opts = {}) {
  const log = opts.log || ((s) => process.stdout.write(`      ${s}\n`));
  const FILE_NAME = 'dataset-2026.bin';
  const SIZE = 24 * 1024 * 1024;
  const t0 = Date.now();
  const timings = {};
  const mark = (k) => (timings[k] = Date.now() - t0);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sta-e2e-dl-'));
  const seedDir = path.join(tmp, 'teammate');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(seedDir);
  fs.mkdirSync(workspace);
  // Something of the user's own, so Shared has a row (and the catalog a second file).
  fs.writeFileSync(path.join(workspace, 'notes.md'), '# Notes\n\nThe 2026 dataset comes from the team tracker.\n');
  const source = path.join(seedDir, FILE_NAME);
  const data = crypto.randomBytes(SIZE);
  fs.writeFileSync(source, data);
  const expectedSha = crypto.createHash('sha256').update(data).digest('hex');

  let tracker;
  let seeder;
  let wb;
  try {
    // 1. The team's tracker and a teammate seeding the dataset (upload capped so the download lasts a few seconds).
    tracker = await startCli(['tracker', '--host', '127.0.0.1', '--port', '0', '--json'], { ready: (o) => typeof o.announce === 'string', label: 'tracker' });
    const announce = tracker.first.announce;
    const catalogUrl = tracker.first.catalog;
    seeder = await startCli(
      ['share', source, '--tracker', announce, '--host', '127.0.0.1', '--max-upload-rate', '8M', '--json'],
      { ready: (o) => o.type === 'sharing', env: { XDG_CACHE_HOME: path.join(tmp, 'cache') }, label: 'share' },
    );
    const infoHash = seeder.first.infoHash;
    // The tracker's catalog lists the file once the seeder's first announce is in.
    await waitUntil(async () => {
      try {
        return (await (await fetch(catalogUrl)).text()).includes(infoHash);
      } catch {
        return false;
      }
    }, { timeoutMs: 15000, what: `catalog ${catalogUrl} listing ${infoHash}` });
    mark('seeding');

    // 2. The workbench on the workspace, STA pointed at the tracker and kept on 127.0.0.1.
    wb = await ui.openWorkbench({
      folder: workspace,
      vsix: opts.vsix,
      settings: { 'sta.trackerUrl': announce, 'sta.bindAddress': '127.0.0.1' },
      viewport: { width: 1280, height: 800 },
    });
    const { page } = wb;
    // STA shows no status bar item while off with no transfer: the workbench is ready once its activity bar icon is
    await page.locator('.part.activitybar a.action-label[aria-label^="STA"]').first().waitFor({ timeout: 60000 });
    const status = await ui.recordStatusBar(page);
    mark('workbench');

    // 3. STA: Start from the palette; the first Start in this workspace asks what leaves and where to: Share.
    await ui.runCommand(page, 'STA: Start');
    const question = await ui.answerDialog(page, 'Share');
    const notesSize = fs.statSync(path.join(workspace, 'notes.md')).size;
    assert.strictEqual(question.message, `Share 1 file (${notesSize} B) from workspace with ${announce}?`, 'the first-Start question');
    assert.match(question.detail, /no team key/);
    await waitUntil(async () => (await status.now()) === 'STA', { timeoutMs: 30000, what: async () => `status bar "STA", is "${await status.now()}"` });
    mark('started');

    // 4. The STA container: the teammate's file appears in Tracker Files; click it.
    await ui.openViewContainer(page, 'STA');
    const remote = ui.viewRow(page, 'Tracker Files', FILE_NAME);
    await remote.waitFor({ timeout: 30000 });
    assert.match(await remote.locator('.label-description').innerText(), /24(\.0)? MiB · 1 seeding, 0 downloading · not in workspace/);
    await ui.viewRow(page, 'Shared', 'notes.md').waitFor({ timeout: 30000 });
    await remote.click();
    mark('requested');

    // 5. Transfers: its row goes to 100% · seeding.
    const transfer = ui.viewRow(page, 'Transfers', FILE_NAME);
    await transfer.waitFor({ timeout: 30000 });
    const descriptions = [];
    await waitUntil(async () => {
      const d = ((await transfer.locator('.label-description').textContent().catch(() => '')) || '').trim();
      if (d && descriptions[descriptions.length - 1] !== d) descriptions.push(d);
      return /^100% · seeding/.test(d);
    }, { timeoutMs: 60000, every: 100, what: () => `Transfers row at 100% · seeding; seen ${JSON.stringify(descriptions)}` });
    mark('downloaded');

    // 6. The file is in the workspace folder, byte for byte.
    const landed = path.join(workspace, FILE_NAME);
    await waitUntil(() => fs.existsSync(landed) && fs.statSync(landed).size === SIZE, { timeoutMs: 10000, what: `${landed} with ${SIZE} bytes` });
    assert.strictEqual(await sha256File(landed), expectedSha, 'SHA-256 of the downloaded file');

    // 7. The status bar showed a percentage while downloading and "done" at the end.
    await waitUntil(async () => (await status.seen()).some((t) => t === `STA: ${FILE_NAME} done`), {
      timeoutMs: 10000, what: async () => `status bar "STA: ${FILE_NAME} done"; seen ${JSON.stringify(await status.seen())}`,
    });
    const statusTexts = await status.seen();
    const pctTexts = statusTexts.filter((t) => /^\d{1,3}% .+ · \d+ peers?$/.test(t));
    assert.ok(pctTexts.length > 0, `status bar never showed a download percentage: ${JSON.stringify(statusTexts)}`);
    assert.ok(statusTexts.indexOf(`STA: ${FILE_NAME} done`) > statusTexts.indexOf(pctTexts[0]), 'done after the percentage');

    // 8. STA: Update refreshes Tracker Files: our own notes.md and the dataset, now in the workspace.
    await ui.runCommand(page, 'STA: Update');
    await ui.viewRow(page, 'Tracker Files', 'notes.md').waitFor({ timeout: 15000 });
    await ui.viewRow(page, 'Tracker Files', FILE_NAME).locator('.label-description', { hasText: '✓ in workspace' }).waitFor({ timeout: 10000 });

    // 9. The picture for the README: Tracker Files, Transfers at 100% / seeding, Shared
    // (side bar widened so the descriptions show; notes.md opened from Shared).
    await ui.viewRow(page, 'Shared', 'notes.md').click();
    await page.locator('.part.editor .tab', { hasText: 'notes.md' }).first().waitFor({ timeout: 10000 });
    await ui.widenSidebar(page, 560);
    await page.mouse.move(1000, 600); // no hover tooltip over the trees
    await sleep(500);
    for (const file of opts.screenshots || []) await ui.screenshot(page, file);
    mark('screenshot');

    // 10. The peer port, from STA's log ("peers on port N"), is in use; STA: Stop frees it.
    await ui.runCommand(page, 'STA: Show Log');
    const logLines = page.locator('.part.panel .monaco-editor .view-lines .view-line');
    const portText = await waitUntil(async () => {
      const lines = await logLines.allTextContents().catch(() => []);
      for (const l of lines) {
        const m = /peers on port (\d+)\b/.exec(l.replace(/\u00a0/g, ' '));
        if (m) return m[1];
      }
      return undefined;
    }, { timeoutMs: 15000, what: 'the STA log line "peers on port N"' });
    const port = Number(portText);
    assert.strictEqual(await portIsFree(port), false, `peer port ${port} should be in use while STA runs`);
    await ui.runCommand(page, 'STA: Stop');
    await waitUntil(async () => (await status.now()) === 'STA: off', {
      timeoutMs: 25000, what: async () => `status bar "STA: off" after Stop, is "${await status.now()}"`,
    });
    await waitUntil(() => portIsFree(port), { timeoutMs: 10000, what: `peer port ${port} free after STA: Stop` });
    mark('stopped');
    assert.deepStrictEqual(wb.errors, [], 'page errors');

    log(`timings (ms from start): ${JSON.stringify(timings)}`);
    log(`transfer row: ${descriptions.length} states, first "${descriptions[0]}", last "${descriptions[descriptions.length - 1]}"`);
    log(`status bar: ${pctTexts.length} percentage texts, e.g. "${pctTexts[Math.floor(pctTexts.length / 2)]}"`);
    return { timings, statusTexts, descriptions };
  } catch (e) {
    if (wb) await ui.screenshot(wb.page, path.join(ui.REPO_ROOT, 'out', 'e2e', `download-${opts.vsix ? 'vsix' : 'source'}-failed.png`)).catch(() => {});
    if (seeder && VERBOSE) log(`seeder output:\n${seeder.proc.log()}`);
    throw e;
  } finally {
    if (wb) await wb.close();
    if (seeder) await seeder.proc.stop();
    if (tracker) await tracker.proc.stop();
    if (!process.env.STA_E2E_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { downloadScenario, startCli, waitUntil, sha256File, portIsFree };
