// Names a tracker's catalog claims, as Tracker Files shows them: no bidi overrides or control
// characters; the rows spell the catalog path, which is where Request puts the file; a path that does
// not end in the torrent's name is not saved anywhere, and the row says so.
import * as assert from 'assert';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as vscode from 'vscode';
import type { StaApi } from '../../src/extension/extension';
import { answerFirstStart, setUser, staApi, treeFiles, waitFor } from './support';

const entry = (name: string, path: string, hashDigit: string) => ({
  name,
  path,
  length: 1000,
  pieceLength: 16384,
  pieceCount: 1,
  infoHash: hashDigit.repeat(40),
  magnet: `magnet:?xt=urn:btih:${hashDigit.repeat(40)}`,
  seeders: 1,
  leechers: 0,
  completed: 0,
  publishedAt: new Date(0).toISOString(),
});

/** A tracker that answers announces and serves a catalog with names meant to mislead. */
const CATALOG = {
  files: [
    entry('invoice\u202Efdp.exe', 'docs/invoice\u202Efdp.exe', 'a'),
    entry('report\u200F\u2066.txt', 'report\u200F\u2066.txt', 'b'),
    entry('notes.txt', 'payroll/salaries-2026.xlsx', 'c'),
  ],
};

describe('names from a catalog in Tracker Files', function () {
  this.timeout(60_000);
  let api: StaApi;
  let server: http.Server;

  before(async () => {
    api = await staApi();
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url!.startsWith('/announce')) res.end('d8:intervali60e5:peers0:e');
      else if (req.url === '/catalog' && req.method === 'GET') res.end(JSON.stringify(CATALOG));
      else {
        res.statusCode = 403; // publishes from this workspace: refused
        res.end('{"error":"no"}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await setUser('trackerUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}/announce`);
    await setUser('bindAddress', '127.0.0.1');
    answerFirstStart(api, 'share');
    assert.strictEqual(await vscode.commands.executeCommand('sta.start'), true);
  });

  after(async () => {
    await vscode.commands.executeCommand('sta.stop');
    await new Promise((r) => server.close(r));
  });

  it('rows spell each catalog path (where the file lands), without bidi or control characters; tooltips too', async () => {
    const rows = await waitFor('the catalog in Tracker Files', () => {
      const r = treeFiles(api.trackerFiles);
      return r.length === CATALOG.files.length && r;
    });
    assert.deepStrictEqual(rows.map((r) => r.path).sort(), ['docs/invoicefdp.exe', 'payroll/salaries-2026.xlsx', 'report.txt']);
    for (const { path, item } of rows) {
      const tooltip = (item.tooltip as vscode.MarkdownString).value;
      assert.doesNotMatch(tooltip, /[\u202A-\u202E\u2066-\u2069\u200E\u200F]/, `tooltip of ${path}`);
      assert.doesNotMatch(item.accessibilityInformation!.label, /[\u202A-\u202E\u2066-\u2069\u200E\u200F]/, `spoken label of ${path}`);
    }
    const invoice = rows.find((r) => r.path === 'docs/invoicefdp.exe')!.item;
    assert.match((invoice.tooltip as vscode.MarkdownString).value, /downloads to docs\/invoicefdp\\\.exe/);
    // named notes.txt, published at another path: the row shows the path, and nothing would be saved
    const payroll = rows.find((r) => r.path === 'payroll/salaries-2026.xlsx')!.item;
    const tooltip = (payroll.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /its path cannot be saved safely/);
    assert.match(tooltip, /torrent name notes\\\.txt/);
  });
});
