// The engine options `sta share` and `sta get` share: one table in both commands, one function
// from parsed flags to EngineOptions.
import assert from 'node:assert/strict';
import { parse, UsageError } from '../../../src/cli/args';
import { engineOptionsFrom, engineOptionSpecs } from '../../../src/cli/engineOptions';
import { getSpec } from '../../../src/cli/getCommand';
import { shareSpec } from '../../../src/cli/shareCommand';
import { isolateCliEnv } from '../../helpers/cliEnv';

describe('cli engine options', () => {
  isolateCliEnv();

  for (const spec of [shareSpec, getSpec]) {
    it(`sta ${spec.name} offers every shared engine option as it is`, () => {
      for (const [name, o] of Object.entries(engineOptionSpecs)) assert.equal(spec.options[name], o, name);
    });
  }

  const from = (argv: string[], trackers: string[] = []) => engineOptionsFrom(parse(shareSpec, ['file', ...argv]).values, trackers);

  it('by default listens on every address, on any free port, with no upload or download limit', () => {
    const o = from([], ['http://t/announce']);
    assert.equal(o.host, '0.0.0.0');
    assert.equal(o.port, 0);
    assert.deepEqual(o.trackers, ['http://t/announce']);
    assert.equal(o.maxUploadRate, undefined);
    assert.equal(o.maxDownloadRate, undefined);
    assert.equal(typeof o.logger?.info, 'function');
  });

  it('reads --host, --port, --max-upload-rate and --max-download-rate', () => {
    const o = from(['--host', '192.0.2.1', '--port', '6881', '--max-upload-rate', '5M', '--max-download-rate', '800K']);
    assert.equal(o.host, '192.0.2.1');
    assert.equal(o.port, 6881);
    assert.equal(o.maxUploadRate, 5 * 1024 * 1024);
    assert.equal(o.maxDownloadRate, 800 * 1024);
  });

  for (const [argv, flag] of [
    [['--port', '65536'], '--port'],
    [['--port=-1'], '--port'],
    [['--max-upload-rate', '512'], '--max-upload-rate'],
    [['--max-upload-rate', 'lots'], '--max-upload-rate'],
    [['--max-download-rate', '100'], '--max-download-rate'],
    [['--max-download-rate', '5 MB/s'], '--max-download-rate'],
  ] as const) {
    it(`rejects ${argv.join(' ')} with a UsageError about ${flag}`, () => {
      assert.throws(() => from([...argv]), (e: unknown) => e instanceof UsageError && e.message.startsWith(flag));
    });
  }

  it('the log never prints a team key of the trackers (logs get pasted into issues)', () => {
    const key = 'k3y_0123456789abcdef0123456789';
    const o = from([], [`http://t:7070/${key}/announce`, 'http://u/announce']);
    const lines: string[] = [];
    const { error } = console;
    console.error = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      o.logger!.info(`published x to http://t:7070/${key}/catalog`);
      o.logger!.warn(`tracker http://t:7070/${key}/announce failed`);
    } finally {
      console.error = error;
    }
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => !l.includes(key) && l.includes('http://t:7070/<key>/')), lines.join('\n'));
  });
});
