// The config file: where it is, and every way one can be wrong, each a UsageError (exit 2) naming the file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigPath, readConfig } from '../../../src/cli/configFile';
import { UsageError } from '../../../src/cli/usageError';

describe('cli config file', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'sta-config-file-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  describe('defaultConfigPath', () => {
    it('is $XDG_CONFIG_HOME/sta/config.json', () => {
      assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: '/x/conf', HOME: '/home/u' }), '/x/conf/sta/config.json');
    });

    it('is ~/.config/sta/config.json without XDG_CONFIG_HOME, or with a relative one (XDG says to ignore it)', () => {
      assert.equal(defaultConfigPath({ HOME: '/home/u' }), '/home/u/.config/sta/config.json');
      assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: 'conf', HOME: '/home/u' }), '/home/u/.config/sta/config.json');
      assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: '', HOME: '/home/u' }), '/home/u/.config/sta/config.json');
    });
  });

  describe('readConfig', () => {
    it('no file where the default path points: no config', () => {
      assert.equal(readConfig(join(dir, 'absent.json'), false), undefined);
    });

    it('reads every setting as its flag would carry it: strings, one tracker or a list', () => {
      const settings = { tracker: 'http://t:7070/announce', host: '127.0.0.1', port: 6881, 'max-upload-rate': '5M', 'max-download-rate': '1M', 'upload-slots': 8 };
      const file = write('good.json', JSON.stringify(settings));
      assert.deepEqual(readConfig(file, true), {
        file,
        values: { tracker: ['http://t:7070/announce'], host: '127.0.0.1', port: '6881', 'max-upload-rate': '5M', 'max-download-rate': '1M', 'upload-slots': '8' },
      });
      const list = write('list.json', '{"tracker": ["http://a/announce", "http://b/announce"]}');
      assert.deepEqual(readConfig(list, false)?.values, { tracker: ['http://a/announce', 'http://b/announce'] });
      assert.deepEqual(readConfig(write('empty.json', '{}'), false)?.values, {});
      assert.deepEqual(readConfig(write('bom.json', '\uFEFF{"host": "::1"}'), false)?.values, { host: '::1' });
    });

    const fails = (file: string, named: boolean, message: string) =>
      assert.throws(
        () => readConfig(file, named),
        (e: unknown) => e instanceof UsageError && e.message === message,
      );

    it('a file named by --config must exist', () => {
      const file = join(dir, 'nope.json');
      fails(file, true, `--config ${file}: no such file`);
    });

    it('a folder is no config file', () => {
      mkdirSync(join(dir, 'folder.json'));
      fails(join(dir, 'folder.json'), false, `config file ${join(dir, 'folder.json')}: is a folder, not a file`);
    });

    it('malformed JSON names the file and what the parser found', () => {
      const file = write('bad.json', '{"tracker": ');
      assert.throws(
        () => readConfig(file, false),
        (e: unknown) => e instanceof UsageError && e.message.startsWith(`config file ${file}: not valid JSON (`),
      );
    });

    for (const text of ['[]', '"http://t/announce"', 'null', '42']) {
      it(`${text} is not an object`, () => {
        const file = write('notobject.json', text);
        fails(file, false, `config file ${file}: must hold a JSON object such as {"tracker": "http://host:7070/announce"}`);
      });
    }

    it('an unknown setting (a typo) is named with the known ones', () => {
      const file = write('typo.json', '{"trackers": "http://t/announce"}');
      fails(file, false, `config file ${file}: unknown setting "trackers" (known: tracker, host, port, max-upload-rate, max-download-rate, upload-slots)`);
    });

    for (const [key, value, want] of [
      ['tracker', 7070, 'a URL or a list of URLs'],
      ['tracker', [], 'a URL or a list of URLs'],
      ['tracker', ['http://a/announce', 3], 'a URL or a list of URLs'],
      ['tracker', '  ', 'a URL or a list of URLs'],
      ['host', 127, 'a string'],
      ['port', true, 'a number'],
      ['port', null, 'a number'],
      ['upload-slots', { n: 8 }, 'a number'],
      ['max-upload-rate', ['5M'], 'a rate such as "5M"'],
      ['max-download-rate', true, 'a rate such as "5M"'],
    ] as const) {
      it(`"${key}": ${JSON.stringify(value)} is the wrong type`, () => {
        const file = write('type.json', JSON.stringify({ [key]: value }));
        fails(file, false, `config file ${file}: "${key}" must be ${want}, not ${JSON.stringify(value)}`);
      });
    }
  });
});
