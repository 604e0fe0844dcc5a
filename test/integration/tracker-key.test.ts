// The team key on the tracker (issue 8, item 1): with a key K every route lives under /K/; a missing
// and a wrong key get the same refusal, which reveals nothing; `sta tracker --key-file` and
// STA_TRACKER_KEY set it and print the keyed URLs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { decode } from '../../src/core/bencode';
import { TrackerServer } from '../../src/core/tracker/server';
import { announceQuery, pct, peerId } from '../helpers/announce';
import { makeTempDir } from '../helpers/files';
import { httpGet, httpRequest } from '../helpers/http';
import { run, stopChild } from '../helpers/processes';
import { CLI } from '../helpers/sta';
import { torrentOf } from '../unit/core/tracker/fixtures';

const KEY = 'Team_Key-0123456789abcdef';

describe('tracker team key', function () {
  this.timeout(60_000);
  let t: TrackerServer;
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ dir, cleanup } = await makeTempDir('sta-key-'));
    t = new TrackerServer({ host: '127.0.0.1', port: 0, key: KEY });
    await t.listen();
  });
  after(async () => {
    await t?.close();
    await cleanup?.();
  });

  it('serves every route under /KEY/: announce, scrape, publish, list, entry, .torrent; the URLs it reports carry the key', async () => {
    const keyed = `${t.baseUrl}/${KEY}`;
    assert.equal(t.announceUrl, `${keyed}/announce`);
    assert.equal(t.catalogUrl, `${keyed}/catalog`);
    assert.equal(t.scrapeUrl, `${keyed}/scrape`);
    const m = torrentOf('keyed.bin', 41);
    const posted = await httpRequest('POST', `${keyed}/catalog?path=keyed.bin`, m.torrent);
    assert.equal(posted.status, 201, posted.body.toString());
    const r = await httpGet(`${keyed}/announce?${announceQuery({ infoHash: m.infoHash, peerId: peerId(), port: 7001, left: 0, event: 'started' })}`);
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(decode(r.body)['sta catalog'], 1);
    assert.equal((await httpGet(`${keyed}/scrape?info_hash=${pct(m.infoHash)}`)).status, 200);
    const list = JSON.parse((await httpGet(`${keyed}/catalog`)).body.toString());
    assert.deepEqual(list.files.map((f: { name: string }) => f.name), ['keyed.bin']);
    assert.equal((await httpGet(`${keyed}/catalog/${m.infoHashHex}`)).status, 200);
    assert.ok((await httpGet(`${keyed}/catalog/${m.infoHashHex}.torrent`)).body.equals(m.torrent));
    assert.equal((await httpGet(`${keyed}/`)).status, 200);
  });

  it('a missing and a wrong key get the same refusal: a bencoded failure reason (announce, scrape), 403 JSON (catalog), nothing revealed', async () => {
    const m = torrentOf('secret-name.bin', 42);
    assert.equal((await httpRequest('POST', `${t.catalogUrl}?path=secret-name.bin`, m.torrent)).status, 201);
    const q = announceQuery({ infoHash: m.infoHash, peerId: peerId(), port: 7002, event: 'started' });
    const wrongKeys = ['', 'x'.repeat(KEY.length), 'abcdefghijklmnop', KEY.slice(0, -1), `${KEY}x`, KEY.toLowerCase(), `x/${KEY}`];
    const prefixes = wrongKeys.map((k) => (k ? `/${k}` : ''));
    const answers = async (route: string, method = 'GET', body?: Buffer) => {
      const got = [];
      for (const p of prefixes) got.push(await httpRequest(method, `${t.baseUrl}${p}${route}`, body));
      return got;
    };
    for (const route of [`/announce?${q}`, `/scrape?info_hash=${pct(m.infoHash)}`, '/scrape']) {
      const got = await answers(route);
      for (const r of got) {
        assert.equal(r.status, 403, route);
        assert.ok(Buffer.isBuffer(decode(r.body)['failure reason']), `${route}: ${r.body}`);
        assert.deepEqual(r.body, got[0].body, `${route}: the same answer for a missing and a wrong key`);
      }
    }
    const catalogRoutes = ['/catalog', `/catalog/${m.infoHashHex}`, `/catalog/${m.infoHashHex}.torrent`, '/'];
    const jsonBodies = [];
    for (const route of catalogRoutes) for (const r of await answers(route)) jsonBodies.push(r);
    for (const r of await answers('/catalog?path=x.bin', 'POST', torrentOf('intruder.bin', 43).torrent)) jsonBodies.push(r);
    for (const r of jsonBodies) {
      assert.equal(r.status, 403);
      assert.match(String(r.headers['content-type']), /application\/json/);
      assert.deepEqual(r.body, jsonBodies[0].body, 'every catalog refusal is the same bytes');
    }
    const text = jsonBodies[0].body.toString();
    assert.equal(typeof JSON.parse(text).error, 'string');
    assert.doesNotMatch(text, /secret-name|[0-9a-f]{40}|\d/, 'no names, hashes or counts');
    // nothing got in: no swarm from the refused announces, no entry from the refused publish
    const s = decode((await httpGet(`${t.scrapeUrl}?info_hash=${pct(m.infoHash)}`)).body);
    assert.equal(Object.values(s.files as Record<string, { incomplete: number }>)[0].incomplete, 0);
    const names = JSON.parse((await httpGet(t.catalogUrl)).body.toString()).files.map((f: { name: string }) => f.name);
    assert.ok(!names.includes('intruder.bin'));
  });

  it('the lean front answers keyed announces on a keep-alive connection and refuses unkeyed ones the same way', async () => {
    const ih = randomBytes(20);
    const q = announceQuery({ infoHash: ih, peerId: peerId(), port: 7003 });
    const s = connect(t.address().port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const closed = new Promise((resolve) => s.once('close', resolve));
    s.write(`GET /${KEY}/announce?${q} HTTP/1.1\r\nHost: t\r\n\r\nGET /${KEY}/scrape HTTP/1.1\r\nHost: t\r\n\r\n`);
    s.write(`GET /announce?${q} HTTP/1.1\r\nHost: t\r\n\r\n`);
    await closed;
    assert.deepEqual(got.match(/HTTP\/1\.1 \d{3}/g), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 403']);
  });

  it('sta tracker --key-file / STA_TRACKER_KEY: keyed URLs in --json; a bad key is a usage error naming its source', async () => {
    const keyFile = join(dir, 'team.key');
    await fsp.writeFile(keyFile, `  ${KEY}\n`);
    const startJson = async (args: string[], env: Record<string, string> = {}) => {
      const child = spawn(process.execPath, [CLI, 'tracker', '--host', '127.0.0.1', '--port', '0', '--json', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (c) => (out += c) && out.includes('\n') && resolve(out.slice(0, out.indexOf('\n'))));
          child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        });
        return JSON.parse(line);
      } finally {
        await stopChild(child);
      }
    };
    for (const [args, env] of [[['--key-file', keyFile], {}], [[], { STA_TRACKER_KEY: KEY }]] as const) {
      const j = await startJson([...args], env);
      assert.match(j.announce, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${KEY}/announce$`));
      assert.equal(j.catalog, j.announce.replace(/announce$/, 'catalog'));
      assert.equal(j.scrape, j.announce.replace(/announce$/, 'scrape'));
    }
    await fsp.writeFile(join(dir, 'short.key'), 'short\n');
    const bad: [string[], Record<string, string>, RegExp][] = [
      [['--key-file', join(dir, 'short.key')], {}, /--key-file/],
      [['--key-file', join(dir, 'missing.key')], {}, /--key-file/],
      [[], { STA_TRACKER_KEY: 'has space in it 0123' }, /STA_TRACKER_KEY/],
    ];
    for (const [args, env, re] of bad) {
      const r = await runWithEnv([CLI, 'tracker', '--port', '0', ...args], env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
    }
  });
});

async function runWithEnv(args: string[], env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await run(process.execPath, args, { timeoutMs: 15_000 });
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  }
}
