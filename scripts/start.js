#!/usr/bin/env node
// `npm start`: STA in a real VS Code. Desktop `code` when it is installed; otherwise
// code-server (VS Code 1.100.3 from npm) on 127.0.0.1 with the extension loaded from
// source and a local tracker, printing the URL to open in a browser.
//   npm start [-- WORKSPACE_FOLDER]      (default ~/sta-workspace)
//   a second `npm start -- OTHER_FOLDER` reuses the tracker: share in one, fetch in the other
//   STA_START_PORT=8080 picks the code-server port; STA_USE_CODE_SERVER=1 skips desktop code.
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const workspace = path.resolve(process.argv[2] || path.join(os.homedir(), 'sta-workspace'));
fs.mkdirSync(workspace, { recursive: true });

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function main() {
  if (onPath('code') && !process.env.STA_USE_CODE_SERVER) {
    console.log(`Opening ${workspace} in VS Code with STA loaded from ${ROOT}.`);
    console.log('In the STA view: Start Local Tracker (or set sta.trackerUrl), then Start.');
    spawn('code', [`--extensionDevelopmentPath=${ROOT}`, workspace], { stdio: 'inherit', detached: true }).unref();
    return;
  }

  const install = spawnSync('bash', [path.join(ROOT, 'scripts', 'install-code-server.sh')], { stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
  const { startCodeServer } = require(path.join(ROOT, 'test', 'e2e', 'codeServer.js'));

  // a local tracker the editor's STA uses, as STA: Start Local Tracker would start it; a second
  // `npm start` (another workspace, to fetch what the first shares) reuses the running one
  const trackerPort = process.env.STA_TRACKER_PORT || '7070';
  let tracker;
  let announce = `http://127.0.0.1:${trackerPort}/announce`;
  const running = await fetch(`http://127.0.0.1:${trackerPort}/catalog`).then((r) => r.ok, () => false);
  if (running) {
    console.log(`Using the STA tracker already running at ${announce}.`);
  } else {
    tracker = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'tracker', '--host', '127.0.0.1', '--port', trackerPort, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    announce = await new Promise((resolve, reject) => {
      let out = '';
      tracker.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).announce);
      });
      tracker.once('exit', (code) => reject(new Error(`the tracker exited (${code}); is port ${trackerPort} taken? set STA_TRACKER_PORT`)));
    });
  }

  const settingsDir = path.join(workspace, '.vscode');
  fs.mkdirSync(settingsDir, { recursive: true });
  const settingsFile = path.join(settingsDir, 'settings.json');
  let settings = {};
  try {
    settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
  } catch {
    // none yet
  }
  fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'sta.trackerUrl': announce, 'sta.bindAddress': '127.0.0.1' }, null, 2));

  // one editor profile per workspace, so two `npm start`s (two teammates) can run side by side
  const profile = require('crypto').createHash('sha1').update(workspace).digest('hex').slice(0, 8);
  const server = await startCodeServer({
    folder: workspace,
    userDataDir: path.join(ROOT, '.vscode-test', `start-user-data-${profile}`),
    extensionsDir: path.join(ROOT, '.vscode-test', 'start-extensions'),
  });
  const url = server.workbenchUrl({ devPath: ROOT });
  console.log('\nSTA is running in VS Code (code-server) — open this URL in a browser on this machine:\n');
  console.log(`  ${url}\n`);
  console.log(`workspace: ${workspace}\ntracker:   ${announce}\nIn the STA view (activity bar), press Start. Ctrl-C stops everything.`);

  const stop = async () => {
    tracker?.kill('SIGTERM');
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`npm start: ${e.message}`);
  process.exit(1);
});
