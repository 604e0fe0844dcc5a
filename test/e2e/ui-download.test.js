// UI test: download a teammate's file through the workbench, extension loaded from source.
// A tracker and a headless `sta share` seeder run as child processes; see scenarios.js.
// The STA container at 100% / seeding is saved to out/e2e/ui-download.png, and to
// media/screenshot.png (the README's picture) when STA_E2E_UPDATE_SCREENSHOT=1 or it is missing.
'use strict';

const fs = require('fs');
const path = require('path');
const ui = require('./ui');
const { downloadScenario } = require('./scenarios');

const README_SHOT = path.join(ui.REPO_ROOT, 'media', 'screenshot.png');

describe('UI: download a shared file (STA from source)', function () {
  this.timeout(120000);

  it('Start, click the file in Tracker Files, watch Transfers and the status bar, Stop', async () => {
    const screenshots = [path.join(ui.REPO_ROOT, 'out', 'e2e', 'ui-download.png')];
    if (process.env.STA_E2E_UPDATE_SCREENSHOT || !fs.existsSync(README_SHOT)) screenshots.push(README_SHOT);
    await downloadScenario({ screenshots });
  });
});
