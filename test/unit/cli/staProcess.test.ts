// `node dist/cli.js` as a user runs it (build first: `node esbuild.js`), where the exit code and the
// output are the point: every error path ends in bounded time with its documented code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/freePort';
import { stopChild, waitForExit } from '../../helpers/processes';
import { CLI, startTrackerChild, type TrackerChild } from '../../helpers/sta';

/** Longest any of these runs may take: they all end long before (a hang fails the test, it does not stall it). */
const BOUND_MS = 15_000;

interface Run {
  code: number | string;
  out: string;
  err: string;
}

describe('sta process: exit codes and output', function () {
  this.timeout(60_000);
  let dir: string;
  let configHome: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sta-process-'));
    configHome = join(dir, 'config');
    mkdirSync(join(dir, 'share'));
    writeFileSync(join(dir, 'share', 'a.txt'), 'some bytes\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `node [NODE_ARGS] dist/cli.js ARGV` with its own config folder and no STA_TRACKER unless `env` sets them. */
  async function sta(argv: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Run> {
    const base: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome };
    delete base.STA_TRACKER;
    delete base.STA_DEBUG;
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    try {
      const code = await waitForExit(child, BOUND_MS);
      await new Promise((r) => setImmediate(r)); // the last output after the exit
      return { code, out, err };
    } finally {
      await stopChild(child);
    }
  }

  const T = 'http://127.0.0.1:9/announce';

  it('sta share /nonexistent: "no such file or folder", exit 2', async () => {
    const r = await sta(['share', '/nonexistent', '--tracker', T]);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'sta: /nonexistent: no such file or folder\n');
  });

  it('sta share failing inside its share loop exits 1 with the reason instead of seeding on', async () => {
    const r = await sta(['share', join(dir, 'share'), '--tracker', T, '--host', '127.0.0.1', '--exclude', '', '--json']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /"type":"listening"/);
    assert.match(r.err, /^sta: .*pattern.*$/m);
  });

  it('sta create /nonexistent: "no such file or folder", exit 2', async () => {
    const r = await sta(['create', '/nonexistent', '--tracker', T]);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'sta: /nonexistent: no such file or folder\n');
  });

  it('sta help get prints the help of sta get; sta help nosuch exits 2 naming it', async () => {
    const help = await sta(['help', 'get']);
    assert.equal(help.code, 0);
    assert.equal(help.out, (await sta(['get', '--help'])).out);
    assert.match(help.out, /^usage: sta get TARGET/);
    const bad = await sta(['help', 'nosuch']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^sta: unknown command "nosuch"/);
  });

  it('help is wrapped to 80 columns when stdout is no terminal', async () => {
    for (const name of ['tracker', 'share', 'get', 'list', 'create']) {
      const r = await sta(['help', name]);
      const long = r.out.split('\n').filter((l) => l.length > 80 && l.trim().includes(' '));
      assert.deepEqual(long, [], name);
    }
  });

  for (const [argv, bad] of [
    [['share', 'x'], 'notaurl'],
    [['get', 'x'], 'ftp://x'],
    [['list'], 'notaurl'],
    [['create', 'x'], 'ftp://x'],
  ] as const) {
    it(`sta ${argv[0]} --tracker ${bad}: exit 2 naming the flag and the value`, async () => {
      const r = await sta([...argv, '--tracker', bad]);
      assert.equal(r.code, 2);
      assert.equal(r.err, `sta: --tracker must be an http(s) URL such as http://host:7070/announce, not "${bad}"\n`);
    });
  }

  describe('the tracker from the config file and STA_TRACKER', () => {
    let tracker: TrackerChild;
    before(async () => {
      tracker = await startTrackerChild();
      mkdirSync(join(configHome, 'sta'), { recursive: true });
    });
    after(() => tracker.stop());
    const writeConfig = (text: string) => writeFileSync(join(configHome, 'sta', 'config.json'), text);

    it('sta list needs no --tracker when the config file names it', async () => {
      writeConfig(JSON.stringify({ tracker: tracker.announce }));
      const r = await sta(['list', '--json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out), { files: [] });
    });

    it('STA_TRACKER beats the config file, --tracker beats both', async () => {
      writeConfig(JSON.stringify({ tracker: `http://127.0.0.1:${await freePort()}/announce` }));
      const env = { STA_TRACKER: tracker.announce };
      assert.equal((await sta(['list'], env)).out, '(the catalog is empty)\n');
      const closed = `http://127.0.0.1:${await freePort()}/announce`;
      const r = await sta(['list', '--tracker', closed], env);
      assert.equal(r.code, 1);
      assert.match(r.err, /unreachable/);
    });

    it('a malformed config file: exit 2 naming it', async () => {
      writeConfig('tracker = http://x');
      const r = await sta(['list']);
      assert.equal(r.code, 2);
      assert.ok(r.err.startsWith(`sta: config file ${join(configHome, 'sta', 'config.json')}: not valid JSON (`), r.err);
    });
  });

  it('a handle left open after the command ended does not keep sta alive: it exits with the command\'s code', async () => {
    const leak = join(dir, 'leak.js');
    writeFileSync(leak, "require('node:net').createServer().listen(0, '127.0.0.1');\n");
    const ok = await sta(['--version'], {}, ['-r', leak]);
    assert.equal(ok.code, 0);
    const bad = await sta(['help', 'nosuch'], {}, ['-r', leak]);
    assert.equal(bad.code, 2);
  });
});
