// Restricted Mode: STA stays off, says why, and opens no socket — even with auto-start on.
'use strict';

const assert = require('assert');
const { execFileSync } = require('child_process');
const net = require('net');
const { freePort } = require('../helpers/freePort');
const ui = require('./ui');

/** TCP ports listened on by any process of the process group `pgid` (the code-server tree). */
function listeningPortsOfGroup(pgid) {
  const pids = new Set(execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).split(/\s+/).filter(Boolean));
  const ports = new Set();
  for (const line of execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' }).split('\n')) {
    const owners = [...line.matchAll(/pid=(\d+)/g)].map((m) => m[1]);
    if (!owners.some((p) => pids.has(p))) continue;
    const m = /:(\d+)\s/.exec(line.split(/\s+/).slice(3, 4).join(' ') + ' ');
    if (m) ports.add(Number(m[1]));
  }
  return ports;
}

describe('UI: an untrusted workspace', function () {
  this.timeout(180000);
  let wb;

  after(async () => {
    if (wb) await wb.close();
  });

  it('keeps STA off with no socket open, and tells the user why', async () => {
    const peerPort = await freePort();
    wb = await ui.openWorkbench({
      workspaceTrust: true,
      settings: {
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.untrustedFiles': 'open',
        'sta.autoStart': true,
        'sta.bindAddress': '127.0.0.1',
        'sta.listenPort': peerPort,
      },
    });
    await ui.runCommand(wb.page, 'STA: Start', { timeout: 60000 });
    const toast = await ui.waitForNotification(wb.page, 'Restricted Mode');
    assert.match(await toast.innerText(), /stays off in Restricted Mode/);
    // off with no transfer: no STA item in the status bar (the notification and the view say why)
    assert.strictEqual(await wb.page.locator(`.part.statusbar .statusbar-item[id^="${ui.EXTENSION_ID}"]`).count(), 0);

    await ui.openViewContainer(wb.page, 'STA');
    await wb.page.locator('.part.sidebar', { hasText: 'STA is off in Restricted Mode' }).first().waitFor({ timeout: 30000 });

    // the only socket the whole code-server tree listens on is code-server's own
    const ports = listeningPortsOfGroup(wb.server.pid);
    assert.deepStrictEqual([...ports].sort(), [wb.server.port], `listening ports: ${[...ports].join(', ')}`);
    await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', () => reject(new Error(`port ${peerPort} was opened`)));
      s.listen(peerPort, '127.0.0.1', () => s.close(resolve));
    });
  });
});
