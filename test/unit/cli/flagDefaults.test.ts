// Where a flag left out takes its value: STA_TRACKER, then the config file, then the built-in default;
// a bad value is a UsageError naming where it came from.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandSpec, intOption, parse, rateOption, UsageError } from '../../../src/cli/args';
import { originOf, readsConfig, withDefaults } from '../../../src/cli/flagDefaults';
import { getSpec } from '../../../src/cli/getCommand';
import { listSpec } from '../../../src/cli/listCommand';
import { shareSpec } from '../../../src/cli/shareCommand';
import { trackerSpec } from '../../../src/cli/trackerCommand';
import { isolateCliEnv } from '../../helpers/cliEnv';

const A = 'http://a:7070/announce';
const B = 'http://b:7070/announce';
const C = 'http://c:7070/announce';

describe('cli flag defaults', () => {
  const cli = isolateCliEnv();
  const config = (settings: unknown) => {
    mkdirSync(join(cli.configHome(), 'sta'), { recursive: true });
    writeFileSync(cli.configFile(), typeof settings === 'string' ? settings : JSON.stringify(settings));
  };
  afterEach(() => {
    config({});
    delete process.env.STA_TRACKER;
  });

  const usageError = (message: string | RegExp) => (e: unknown) =>
    e instanceof UsageError && (typeof message === 'string' ? e.message === message : message.test(e.message));

  it('reads config for share, get, list and create; not for sta tracker (its host and port are the tracker\'s own)', () => {
    assert.deepEqual([shareSpec, getSpec, listSpec, trackerSpec].map(readsConfig), [true, true, true, false]);
  });

  describe('precedence: flag > STA_TRACKER > config file > built-in default', () => {
    it('with nothing set, the built-in defaults', () => {
      const { values } = parse(shareSpec, ['f']);
      assert.equal(values.tracker, undefined);
      assert.equal(values.host, '0.0.0.0');
      assert.equal(values.port, '0');
    });

    it('the config file fills what no flag gave', () => {
      config({ tracker: A, host: '127.0.0.1', port: 6881, 'max-upload-rate': '5M', 'upload-slots': 8 });
      const { values } = parse(shareSpec, ['f']);
      assert.deepEqual(values.tracker, [A]);
      assert.equal(values.host, '127.0.0.1');
      assert.equal(intOption(values, 'port', 0, 65535), 6881);
      assert.equal(rateOption(values, 'max-upload-rate'), 5 * 1024 ** 2);
      assert.equal(intOption(values, 'upload-slots', 1, 64), 8);
    });

    it('STA_TRACKER beats the config file; several URLs are separated by spaces', () => {
      config({ tracker: A });
      process.env.STA_TRACKER = ` ${B}  ${C} `;
      assert.deepEqual(parse(shareSpec, ['f']).values.tracker, [B, C]);
    });

    it('a flag beats both', () => {
      config({ tracker: A, port: 6881 });
      process.env.STA_TRACKER = B;
      const { values } = parse(getSpec, ['x', '--tracker', C, '--port', '7000']);
      assert.deepEqual(values.tracker, [C]);
      assert.equal(values.port, '7000');
    });

    it('an empty STA_TRACKER is no tracker', () => {
      config({ tracker: A });
      process.env.STA_TRACKER = ' ';
      assert.deepEqual(parse(shareSpec, ['f']).values.tracker, [A]);
    });

    it('a command taking one tracker (list) takes the first of a list', () => {
      config({ tracker: [A, B] });
      assert.equal(parse(listSpec, []).values.tracker, A);
      process.env.STA_TRACKER = `${C} ${B}`;
      assert.equal(parse(listSpec, []).values.tracker, C);
    });

    it('settings a command has no flag for are left out (list has no port)', () => {
      config({ tracker: A, port: 6881 });
      assert.equal(parse(listSpec, []).values.port, undefined);
    });

    it('--config FILE instead of the default file', () => {
      config({ tracker: A });
      const other = join(cli.configHome(), 'other.json');
      writeFileSync(other, JSON.stringify({ tracker: B }));
      assert.deepEqual(parse(shareSpec, ['f', '--config', other]).values.tracker, [B]);
    });
  });

  describe('errors name where the bad value came from', () => {
    for (const bad of ['notaurl', 'ftp://x', 'http//x', '']) {
      it(`--tracker "${bad}"`, () => {
        const want = `--tracker must be an http(s) URL such as http://host:7070/announce, not "${bad}"`;
        for (const spec of [shareSpec, getSpec, listSpec]) assert.throws(() => parse(spec, ['x', '--tracker', bad]), usageError(want), spec.name);
      });
    }

    it('a bad URL among good ones', () => {
      assert.throws(() => parse(shareSpec, ['f', '-t', A, '-t', 'ftp://x']), usageError(/^--tracker must be an http\(s\) URL .*"ftp:\/\/x"$/));
    });

    it('STA_TRACKER', () => {
      process.env.STA_TRACKER = 'notaurl';
      assert.throws(() => parse(getSpec, ['x']), usageError(/^STA_TRACKER must be an http\(s\) URL .*"notaurl"$/));
    });

    it('the config file\'s tracker', () => {
      config({ tracker: 'ftp://x' });
      const want = `config file ${cli.configFile()}: "tracker" must be an http(s) URL such as http://host:7070/announce, not "ftp://x"`;
      assert.throws(() => parse(listSpec, []), usageError(want));
    });

    it('the config file\'s port and rate, checked by the command with the flag\'s own rule', () => {
      config({ port: 70000, 'max-upload-rate': 'fast' });
      const { values } = parse(shareSpec, ['f']);
      assert.equal(originOf(values, 'port'), `config file ${cli.configFile()}: "port"`);
      const want = `config file ${cli.configFile()}: "port" must be an integer from 0 to 65535, not "70000"`;
      assert.throws(() => intOption(values, 'port', 0, 65535), usageError(want));
      assert.throws(() => rateOption(values, 'max-upload-rate'), usageError(/^config file .*: "max-upload-rate" must look like 5M/));
    });

    it('a malformed config file fails every command that reads it, naming the file', () => {
      config('{ tracker: nope }');
      for (const spec of [shareSpec, getSpec, listSpec]) {
        assert.throws(() => parse(spec, ['x', '-t', A]), usageError(/^config file .*config\.json: not valid JSON/), spec.name);
      }
    });

    it('--help still works with a malformed config file, and sta tracker never reads it', () => {
      config('{ tracker: nope }');
      assert.equal(parse(shareSpec, ['--help']).values.help, true);
      assert.equal(parse(getSpec, ['--help', '--tracker', 'notaurl']).values.help, true);
      assert.equal(parse(trackerSpec, []).values.port, '7070');
    });
  });

  it('withDefaults leaves what parseArgs gave alone and records no origin for flags', () => {
    const spec: CommandSpec = { name: 'demo', summary: '', usage: '', options: { n: { type: 'string', default: '3', help: '' } } };
    const values = withDefaults(spec, { n: '5' }, {});
    assert.equal(values.n, '5');
    assert.equal(originOf(values, 'n'), '--n');
    assert.equal(withDefaults(spec, {}, {}).n, '3');
  });
});
