// Defaults for flags as a user meets them, in-process: the tracker from STA_TRACKER and the config
// file, --no-tracker, and every way a config file can be wrong (exit 2 naming it).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTorrent } from '../../../src/core/metainfo';
import { isolateCliEnv } from '../../helpers/cliEnv';
import { staInProcess as sta } from '../../helpers/staInProcess';

const T = 'http://127.0.0.1:9/announce';

describe('sta defaults from STA_TRACKER and the config file', () => {
  const cli = isolateCliEnv();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sta-defaults-'));
    writeFileSync(join(dir, 'data.bin'), Buffer.alloc(40_000, 1));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    delete process.env.STA_TRACKER;
    rmSync(join(cli.configHome(), 'sta'), { recursive: true, force: true });
  });

  const writeConfig = (text: string) => {
    mkdirSync(join(cli.configHome(), 'sta'), { recursive: true });
    writeFileSync(cli.configFile(), text);
  };

  it('create takes its tracker from the config file, and STA_TRACKER before it', async () => {
    writeConfig(JSON.stringify({ tracker: 'http://config.invalid:7070/announce' }));
    const out = join(dir, 'config.torrent');
    assert.equal((await sta('create', join(dir, 'data.bin'), '-o', out)).code, 0);
    assert.equal(parseTorrent(readFileSync(out)).announce, 'http://config.invalid:7070/announce');
    process.env.STA_TRACKER = 'http://env.invalid:7070/announce';
    assert.equal((await sta('create', join(dir, 'data.bin'), '-o', out)).code, 0);
    assert.equal(parseTorrent(readFileSync(out)).announce, 'http://env.invalid:7070/announce');
  });

  it('create --no-tracker writes a torrent without one, whatever STA_TRACKER says', async () => {
    process.env.STA_TRACKER = 'http://env.invalid:7070/announce';
    const out = join(dir, 'none.torrent');
    const r = await sta('create', join(dir, 'data.bin'), '--no-tracker', '-o', out, '--json');
    assert.equal(r.code, 0, r.err);
    const meta = parseTorrent(readFileSync(out));
    assert.equal(meta.announce, undefined);
    assert.deepEqual(meta.announceList, []);
  });

  it('a malformed config file: exit 2 naming the file', async () => {
    writeConfig('{"tracker": "http://t/announce",}');
    for (const argv of [['list'], ['create', 'f'], ['get', 'x'], ['share', 'f']]) {
      const r = await sta(...argv);
      assert.equal(r.code, 2, argv[0]);
      assert.ok(r.err.startsWith(`sta: config file ${cli.configFile()}: not valid JSON (`), r.err);
    }
  });

  it('--config naming no file: exit 2 naming it', async () => {
    const r = await sta('list', '--config', join(dir, 'absent.json'));
    assert.equal(r.code, 2);
    assert.equal(r.err, `sta: --config ${join(dir, 'absent.json')}: no such file`);
  });

  it('a bad port in the config file: exit 2 naming the file and the setting', async () => {
    writeConfig('{"port": 70000}');
    const r = await sta('share', 'f', '-t', T);
    assert.equal(r.code, 2);
    assert.equal(r.err, `sta: config file ${cli.configFile()}: "port" must be an integer from 0 to 65535, not "70000"`);
  });
});
