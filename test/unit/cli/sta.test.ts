// The `sta` command line as a user meets it, in-process: each command's flags (a public
// contract), --help, and what the exit code says (0 done, 1 failed, 2 the command line was wrong).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandSpec, helpText } from '../../../src/cli/args';
import { createSpec } from '../../../src/cli/createCommand';
import { getSpec } from '../../../src/cli/getCommand';
import { listSpec } from '../../../src/cli/listCommand';
import { shareSpec } from '../../../src/cli/shareCommand';
import { trackerSpec } from '../../../src/cli/trackerCommand';
import { isolateCliEnv } from '../../helpers/cliEnv';
import { freePort } from '../../helpers/freePort';
import { staInProcess as sta } from '../../helpers/staInProcess';

/** One flag as a user types it: short form, placeholder, `...` when repeatable, `=default`. */
const flags = (spec: CommandSpec): string[] =>
  Object.entries(spec.options)
    .map(([name, o]) => {
      const value = o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : '';
      const def = o.default !== undefined && o.default !== false ? `=${o.default}` : '';
      return `${o.short ? `-${o.short} ` : ''}--${name}${value}${o.multiple ? '...' : ''}${def}`;
    })
    .sort();

const T = 'http://127.0.0.1:9/announce';

describe('sta command line', () => {
  const debug = process.env.STA_DEBUG;
  isolateCliEnv();
  let dir: string;
  before(() => {
    delete process.env.STA_DEBUG;
    dir = mkdtempSync(join(tmpdir(), 'sta-cli-'));
  });
  after(() => {
    if (debug !== undefined) process.env.STA_DEBUG = debug;
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => delete process.env.STA_TRACKER);

  describe('flags (a public contract: renaming one breaks scripts)', () => {
    const expected: Record<string, [CommandSpec, string[]]> = {
      tracker: [
        trackerSpec,
        [
          '--host ADDR=127.0.0.1',
          '--port N=7070',
          '--key-file FILE',
          '--interval SEC=60',
          '--min-interval SEC',
          '--trust-ip-param',
          '--max-peers N=200',
          '--max-scrape N=64',
          '--announce-rate N=100',
          '--announce-burst N=2000',
          '--max-swarms N=60000',
          '--max-peers-per-swarm N=2000',
          '--max-tracked-peers N=250000',
          '--max-connections N=900',
          '--max-catalog-entries N=50000',
          '--max-files-per-address N=10000',
          '--max-catalog-mib N=64',
          '--max-torrent-kib N=256',
          '--json',
          '-v --verbose',
        ],
      ],
      share: [
        shareSpec,
        [
          '-t --tracker URL...',
          '--host ADDR=0.0.0.0',
          '--port N=0',
          '--exclude GLOB...',
          '--upload-slots N',
          '--as-one',
          '--no-watch',
          '--max-upload-rate BYTES/S',
          '--max-download-rate BYTES/S',
          '--json',
          '-v --verbose',
        ],
      ],
      get: [
        getSpec,
        [
          '-t --tracker URL...',
          '-o --out DIR=.',
          '--host ADDR=0.0.0.0',
          '--port N=0',
          '--if-exists refuse|suffix|update=refuse',
          '--seed',
          '--seed-ratio R',
          '--seed-time MIN',
          '--select GLOB...',
          '--timeout SEC',
          '--max-upload-rate BYTES/S',
          '--max-download-rate BYTES/S',
          '--json',
          '-v --verbose',
        ],
      ],
      list: [listSpec, ['-t --tracker URL', '--wide', '--json']],
      create: [createSpec, ['-t --tracker URL...', '--no-tracker', '--piece-length BYTES', '-o --output FILE', '--private', '--json']],
    };
    for (const [name, [spec, want]] of Object.entries(expected)) {
      it(`sta ${name}`, () => assert.deepEqual(flags(spec), [...want].sort()));
    }

    it('--config FILE for every command that reads a config file; not sta tracker', async () => {
      const empty = join(dir, 'empty.json');
      writeFileSync(empty, '{}');
      for (const name of ['share', 'get', 'list', 'create']) assert.equal((await sta(name, '--config', empty, '--help')).code, 0, name);
      const r = await sta('tracker', '--config', empty);
      assert.equal(r.code, 2);
      assert.match(r.err, /'--config'/);
    });
  });

  describe('help', () => {
    for (const spec of [trackerSpec, shareSpec, getSpec, listSpec, createSpec]) {
      it(`sta ${spec.name} --help prints its help and exits 0`, async () => {
        const r = await sta(spec.name, '--help');
        assert.equal(r.code, 0);
        assert.equal(r.out, helpText(spec));
        assert.match(r.out, new RegExp(`^usage: sta ${spec.name}\\b`));
        for (const name of Object.keys(spec.options)) assert.ok(r.out.includes(`--${name}`), `--${name} in the help of sta ${spec.name}`);
      });
    }

    it('sta --help, -h and help list the commands and exit 0', async () => {
      for (const arg of ['--help', '-h', 'help']) {
        const r = await sta(arg);
        assert.equal(r.code, 0, arg);
        for (const name of ['tracker', 'share', 'get', 'list', 'create']) assert.match(r.out, new RegExp(`^  ${name} `, 'm'));
      }
    });

    for (const spec of [trackerSpec, shareSpec, getSpec, listSpec, createSpec]) {
      it(`sta help ${spec.name} prints the help of sta ${spec.name}, exit 0`, async () => {
        const r = await sta('help', spec.name);
        assert.equal(r.code, 0);
        assert.equal(r.out, helpText(spec));
      });
    }

    it('sta help with an unknown command names it, shows the commands, exit 2', async () => {
      for (const name of ['nosuch', 'toString', '__proto__']) {
        const r = await sta('help', name);
        assert.equal(r.code, 2, name);
        assert.equal(r.out, '');
        assert.match(r.err, new RegExp(`^sta: unknown command "${name}"\n\nusage: sta <command>`));
      }
    });

    it('sta --version prints the package version', async () => {
      const r = await sta('--version');
      assert.equal(r.code, 0);
      assert.equal(r.out, require('../../../package.json').version);
    });
  });

  describe('exit code 2: the command line is wrong', () => {
    it('no command: the usage, exit 2', async () => {
      const r = await sta();
      assert.equal(r.code, 2);
      assert.match(r.out, /^usage: sta <command>/);
    });

    it('an unknown command', async () => {
      const r = await sta('frobnicate');
      assert.equal(r.code, 2);
      assert.match(r.err, /^sta: unknown command "frobnicate"/);
    });

    for (const spec of [trackerSpec, shareSpec, getSpec, listSpec, createSpec]) {
      it(`sta ${spec.name} with an unknown flag names it and shows the help`, async () => {
        const r = await sta(spec.name, '--frobnicate');
        assert.equal(r.code, 2);
        assert.match(r.err, /^sta: .*'--frobnicate'/);
        assert.ok(r.err.endsWith(helpText(spec)));
      });
    }

    for (const argv of [
      ['tracker', '--port', '65536'],
      ['tracker', '--interval', '0'],
      ['tracker', '--min-interval', '86401'],
      ['tracker', '--max-peers', '5001'],
      ['tracker', '--max-scrape', '0'],
      ['share', 'f', '-t', T, '--port', '65536'],
      ['share', 'f', '-t', T, '--upload-slots', '0'],
      ['share', 'f', '-t', T, '--upload-slots', '65'],
      ['share', 'f', '-t', T, '--max-upload-rate', '1000'],
      ['get', 'x', '--timeout', '0'],
      ['get', 'x', '--timeout', '604801'],
      ['create', 'f', '-t', T, '--piece-length', '8192'],
    ]) {
      const flag = argv.find((a) => a.startsWith('--'))!;
      it(`${argv.join(' ')}: out of range`, async () => {
        const r = await sta(...argv);
        assert.equal(r.code, 2);
        assert.ok(r.err.startsWith(`sta: ${flag} `), r.err);
      });
    }

    for (const [argv, why] of [
      [['share', '-t', T], /needs at least one PATH/],
      [['share', 'f'], /needs --tracker URL/],
      [['get'], /takes exactly one TARGET/],
      [['get', 'x', '--if-exists', 'maybe'], /--if-exists must be refuse, suffix or update/],
      [['get', 'some-name'], /a catalog name needs --tracker URL/],
      [['list'], /needs --tracker URL/],
      [['create'], /takes exactly one FILE/],
      [['create', 'f', '-t', 'ftp://x/announce'], /--tracker must be an http\(s\) URL/],
      [['share', '/nonexistent/sta-test-dir', '-t', T], /^sta: \/nonexistent\/sta-test-dir: no such file or folder$/],
      [['create', '/nonexistent/sta-test-file', '-t', T], /^sta: \/nonexistent\/sta-test-file: no such file or folder$/],
      [['create', 'f'], /^sta: sta create needs --tracker URL \(or STA_TRACKER, or "tracker" in the config file\), or --no-tracker$/],
      [['create', 'f', '--no-tracker', '-t', T], /^sta: --tracker and --no-tracker contradict each other$/],
    ] as const) {
      it(`${argv.join(' ')}: ${why.source}`, async () => {
        const r = await sta(...argv);
        assert.equal(r.code, 2);
        assert.match(r.err, why);
      });
    }
  });

  describe('a tracker URL that is none: exit 2 naming the flag and the value', () => {
    const commands = [['share', 'f'], ['get', 'x'], ['list'], ['create', 'f']];
    for (const bad of ['notaurl', 'ftp://x', 'http//host:7070']) {
      for (const argv of commands) {
        it(`sta ${argv[0]} --tracker ${bad}`, async () => {
          const r = await sta(...argv, '--tracker', bad);
          assert.equal(r.code, 2);
          assert.equal(r.err, `sta: --tracker must be an http(s) URL such as http://host:7070/announce, not "${bad}"`);
        });
      }
    }
  });

  it('exit code 1: the command ran and failed, with a one-line reason', async () => {
    // a port nothing listens on: the tracker (named by STA_TRACKER) refuses the connection
    process.env.STA_TRACKER = `http://127.0.0.1:${await freePort()}/announce`;
    const r = await sta('list');
    assert.equal(r.code, 1);
    assert.match(r.err, /^sta: tracker 127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED/);
    assert.equal(r.err.split('\n').length, 1);
  });
});
