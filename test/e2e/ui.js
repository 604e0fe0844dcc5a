// Playwright harness for UI tests of the STA extension in a real VS Code
// workbench (code-server 4.100.3 = VS Code 1.100.3, Debian's Chromium).
//
//   const ui = require('./ui');
//   const wb = await ui.openWorkbench({ folder });   // extension loaded from source (repo root)
//   await ui.runCommand(wb.page, 'STA: Share File');
//   await ui.openViewContainer(wb.page, 'STA');
//   await ui.treeRow(wb.page, 'alpha.txt').waitFor();
//   await wb.close();
//
// Selectors are the ones that work in VS Code 1.100.3; pin code-server when changing them.
'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');
const { chromium } = require('playwright-core');
const { startCodeServer, REPO_ROOT } = require('./codeServer');

const EXTENSION_ID = 'sta-founders.sta';
/** Fixture extension: activates STA at startup, shows "sta-probe: sta-founders.sta active" (or the error). */
const ACTIVATION_PROBE = path.join(__dirname, 'fixtures', 'activation-probe');
const VERBOSE = !!process.env.STA_E2E_VERBOSE;

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  const found = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p));
  if (!found) throw new Error('no Chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chrome)');
  return found;
}

function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: !process.env.STA_E2E_HEADED });
}

// The workbench's own startup lines share that console format; hidden unless verbose.
const WORKBENCH_NOISE = [
  /^Resolv(ing|ed) connection token/, /^Creating a socket \(renderer-/, /^\[Service Worker\]/,
  /additional builtin extensions/, /^ChatSessionStore:/,
];

/**
 * In extension-test mode the workbench forwards the extension host's console
 * (mocha's reporter) to the page console as ('%c LEVEL', 'color: ...', fmt, ...args).
 * Prints those lines with `write`, in order; other browser messages only when verbose.
 * Returns { flush() } to await the lines still being decoded.
 */
function forwardExtensionHostConsole(page, write = (line) => process.stdout.write(line + '\n')) {
  let queue = Promise.resolve();
  page.on('console', (m) => {
    const argsP = Promise.all(m.args().map((a) => a.jsonValue())).catch(() => [m.text()]);
    queue = queue.then(async () => {
      const vals = await argsP;
      if (typeof vals[0] === 'string' && /^%c\s*(INFO|WARN|ERR|ERROR|DEBUG|TRACE)\s*$/.test(vals[0])) {
        const level = vals[0].replace(/^%c\s*/, '').trim();
        const text = util.format(...vals.slice(2));
        if (!VERBOSE && level === 'INFO' && WORKBENCH_NOISE.some((re) => re.test(text))) return;
        write((level === 'INFO' ? '' : `[${level}] `) + text);
      } else if (VERBOSE) {
        write(`  [browser ${m.type()}] ${m.text().slice(0, 500)}`);
      }
    }).catch(() => {});
  });
  return { flush: () => queue };
}

/**
 * Starts code-server and opens its workbench in Chromium; resolves once the
 * workbench (status bar) is shown.
 * @param {object} [opts]
 * @param {string} [opts.folder]          workspace folder (default: empty temp folder)
 * @param {string} [opts.vsix]            install this .vsix instead of loading the extension from source
 * @param {string|false} [opts.devPath]  extension to load from source (extensionDevelopmentPath);
 *                                        default the repo root, or none with vsix
 * @param {string[]} [opts.extensions]    unpacked extension folders to install as well, e.g. ACTIVATION_PROBE
 *                                        (activates STA at startup, shows the outcome in the status bar)
 * @param {object} [opts.env]             extra environment for the extension host
 * @param {object} [opts.settings]        extra user settings
 * @param {boolean} [opts.workspaceTrust] keep Workspace Trust on (Restricted Mode)
 * @param {{width:number,height:number}} [opts.viewport]
 * @returns {Promise<{page, browser, server, url, errors: string[], close(): Promise<void>}>}
 */
async function openWorkbench(opts = {}) {
  const server = await startCodeServer({
    folder: opts.folder, installVsix: opts.vsix, extensions: opts.extensions, env: opts.env, settings: opts.settings, workspaceTrust: opts.workspaceTrust,
  });
  let browser;
  const close = async () => {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  };
  try {
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: opts.viewport || { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e && e.message ? e.message : e)));
    if (VERBOSE) forwardExtensionHostConsole(page);
    const devPath = opts.devPath === undefined ? (opts.vsix ? undefined : REPO_ROOT) : opts.devPath || undefined;
    const url = server.workbenchUrl({ devPath });
    await page.goto(url);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60000 });
    return { page, browser, server, url, errors, close };
  } catch (e) {
    await close();
    throw e;
  }
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Runs a command through the command palette: F1, type its title ("Category: Title"), pick its row, Enter.
 * Retries while the palette has not yet learnt the command (extension still activating).
 * With { run: false } it only checks that the palette lists the command, then closes the palette.
 */
async function runCommand(page, title, { timeout = 30000, run = true } = {}) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const rows = widget.locator('.monaco-list-row');
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) });
  const deadline = Date.now() + timeout;
  for (;;) {
    if (!(await input.isVisible())) await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(`>${title}`);
    try {
      await exact.first().waitFor({ timeout: 3000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        const listed = await rows.allInnerTexts().catch(() => []);
        throw new Error(`command "${title}" not in the palette after ${timeout} ms; rows: ${JSON.stringify(listed)}`);
      }
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  if (!run) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 10000 }).catch(() => {});
    return;
  }
  const row = exact.first();
  // Enter accepts the focused row; move the focus onto ours first when it is not the top one.
  for (let i = 0; i < 50 && !/\bfocused\b/.test((await row.getAttribute('class')) || ''); i++) {
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 10000 }).catch(() => {});
}

/**
 * Waits for a status bar item and returns its locator. By default one whose id
 * starts with the extension id (createStatusBarItem() without an id gives
 * `sta-founders.sta`); or match { id } exactly, or { text }.
 */
async function waitForStatusBarItem(page, { id, text, idPrefix = EXTENSION_ID, timeout = 30000 } = {}) {
  let loc;
  if (id) loc = page.locator(`.part.statusbar .statusbar-item[id="${id}"]`);
  else if (text !== undefined) loc = page.locator('.part.statusbar .statusbar-item', { hasText: text });
  else loc = page.locator(`.part.statusbar .statusbar-item[id^="${idPrefix}"]`);
  await loc.first().waitFor({ state: 'visible', timeout });
  return loc.first();
}

/**
 * Shows a view container from the activity bar (e.g. 'STA'), without toggling it closed if open.
 * Right after a window reload the workbench may mark the container's item checked (restored state)
 * while the side bar is still hidden and empty; a user would click the item then, so do that, and
 * look again until the side bar shows this container.
 */
async function openViewContainer(page, label, { timeout = 30000 } = {}) {
  const item = page.locator('.part.activitybar .action-item', {
    has: page.locator(`a.action-label[aria-label^="${label}"]`),
  }).first();
  await item.waitFor({ timeout });
  const sidebar = page.locator('.part.sidebar');
  const deadline = Date.now() + timeout;
  for (let clicks = 0; ;) {
    const checked = /\bchecked\b/.test((await item.getAttribute('class')) || '');
    const visible = await sidebar.isVisible();
    const shown = visible && !/\bempty\b/.test((await sidebar.getAttribute('class')) || '');
    if (checked && shown) return sidebar;
    if (Date.now() > deadline) {
      throw new Error(`the ${label} view container is not shown after ${clicks} click(s): item checked ${checked}, side bar shown ${shown}`);
    }
    // checked and visible but still empty: the container is opening; a click now would close it
    if (!checked || !visible) {
      await item.locator('a.action-label').click();
      clicks++;
    }
    await sidebar.waitFor({ state: 'visible', timeout: 3000 }).catch(() => {});
    await page.waitForTimeout(200);
  }
}

/** Locator of the first tree/list row in the side bar whose text contains `text`. */
function treeRow(page, text) {
  return page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
}

/** Saves a PNG of the page (folders created); returns the path. */
async function screenshot(page, file) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await page.screenshot({ path: file });
  return file;
}

/** Texts of the notification toasts now shown (and of the notification center when open). */
async function notifications(page) {
  const toasts = await page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
  const center = await page.locator('.notifications-center.visible .notification-list-item-message').allInnerTexts();
  return [...toasts, ...center].map((t) => t.trim());
}

/** Waits for a notification toast whose text contains `text`; returns its locator. */
async function waitForNotification(page, text, { timeout = 30000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await toast.waitFor({ timeout });
  return toast;
}

/**
 * Waits for a modal dialog (showWarningMessage with { modal: true }), clicks the button labelled `button`
 * as a user would, and returns the dialog's message and detail texts.
 */
async function answerDialog(page, button, { timeout = 30000 } = {}) {
  const dialog = page.locator('.monaco-dialog-box').first();
  await dialog.waitFor({ state: 'visible', timeout });
  const message = (await dialog.locator('.dialog-message-text').innerText()).trim();
  const detail = (await dialog.locator('.dialog-message-detail').innerText().catch(() => '')).trim();
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^\\s*${escapeRegExp(button)}\\s*$`) }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10000 });
  return { message, detail };
}

/** The side-bar view pane titled `title` (e.g. 'Transfers'). */
function viewPane(page, title) {
  return page.locator('.part.sidebar .pane', {
    has: page.locator('.pane-header .title', { hasText: new RegExp(`^\\s*${title}\\s*$`, 'i') }),
  }).first();
}

/** The row of view `title` whose label is `label`. */
function viewRow(page, title, label) {
  return viewPane(page, title).locator('.monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }),
  }).first();
}

/** Drags the side bar's edge so the side bar is about `width` px wide. */
async function widenSidebar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const y = box.y + box.height / 2;
  const x = box.x + box.width;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 50, y, { steps: 2 });
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
}

const STATUS_ITEM = `.part.statusbar .statusbar-item[id^="${EXTENSION_ID}"]`;

/** Records, in the page, every distinct text of STA's status bar item (sampled every 50 ms). */
async function recordStatusBar(page) {
  await page.evaluate((sel) => {
    const w = /** @type {any} */ (window);
    w.__staStatus = [];
    const read = () => {
      const el = document.querySelector(sel);
      if (!el) return;
      const t = el.textContent.replace(/\s+/g, ' ').trim();
      if (w.__staStatus[w.__staStatus.length - 1] !== t) w.__staStatus.push(t);
    };
    read();
    w.__staStatusTimer = setInterval(read, 50);
  }, STATUS_ITEM);
  return {
    /** texts seen so far, in order */
    seen: () => page.evaluate(() => /** @type {any} */ (window).__staStatus.slice()),
    now: async () => ((await page.locator(STATUS_ITEM).first().textContent()) || '').replace(/\s+/g, ' ').trim(),
  };
}

module.exports = {
  EXTENSION_ID,
  ACTIVATION_PROBE,
  REPO_ROOT,
  launchBrowser,
  chromiumPath,
  forwardExtensionHostConsole,
  openWorkbench,
  runCommand,
  waitForStatusBarItem,
  openViewContainer,
  treeRow,
  screenshot,
  notifications,
  waitForNotification,
  answerDialog,
  viewPane,
  viewRow,
  widenSidebar,
  recordStatusBar,
};
