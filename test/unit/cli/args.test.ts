// Argument parsing shared by every `sta` command: strict flags, integer ranges and byte rates,
// each mistake a UsageError that names the flag (help text: helpText.test.ts).
import assert from 'node:assert/strict';
import { CommandSpec, helpText, intOption, parse, rateOption, UsageError } from '../../../src/cli/args';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'Do a demo.',
  usage: 'demo THING [--count N]',
  options: {
    count: { type: 'string', short: 'c', default: '3', arg: 'N', help: 'how many' },
    tag: { type: 'string', multiple: true, help: 'a tag (repeatable)' },
    loud: { type: 'boolean', default: false, help: 'shout' },
  },
};

describe('cli args', () => {
  describe('parse', () => {
    it('fills in defaults and keeps positionals', () => {
      const { values, positionals } = parse(spec, ['a', 'b']);
      assert.deepEqual(positionals, ['a', 'b']);
      assert.equal(values.count, '3');
      assert.equal(values.loud, false);
      assert.equal(values.tag, undefined);
    });

    it('reads short flags, --name=value, repeated options and --help', () => {
      const { values } = parse(spec, ['-c', '7', '--tag=x', '--tag', 'y', '--loud', '-h']);
      assert.equal(values.count, '7');
      assert.deepEqual(values.tag, ['x', 'y']);
      assert.equal(values.loud, true);
      assert.equal(values.help, true);
    });

    for (const [what, argv] of [
      ['an unknown flag', ['--nope']],
      ['an unknown short flag', ['-z']],
      ['a string option without its value', ['--count']],
      ['a value given to a boolean', ['--loud=yes']],
    ] as const) {
      it(`rejects ${what} with a UsageError that carries the help text`, () => {
        assert.throws(
          () => parse(spec, [...argv]),
          (e: unknown) => e instanceof UsageError && e.message.includes(helpText(spec)),
        );
      });
    }
  });

  describe('intOption', () => {
    const int = (raw: string | undefined) => intOption({ n: raw }, 'n', 1, 64);

    it('is undefined when the flag is absent', () => assert.equal(int(undefined), undefined));

    it('accepts both ends of the range', () => {
      assert.equal(int('1'), 1);
      assert.equal(int('64'), 64);
    });

    for (const raw of ['0', '65', '2.5', 'eight', '-1']) {
      it(`rejects "${raw}" naming the flag and the range`, () => {
        const message = `--n must be an integer from 1 to 64, not "${raw}"`;
        assert.throws(() => int(raw), (e: unknown) => e instanceof UsageError && e.message === message);
      });
    }
  });

  describe('rateOption', () => {
    const rate = (raw: string | undefined) => rateOption({ r: raw }, 'r');

    it('is undefined when the flag is absent', () => assert.equal(rate(undefined), undefined));

    for (const [raw, bytes] of [
      ['1048576', 1048576],
      ['1K', 1024],
      ['800K', 800 * 1024],
      ['5M', 5 * 1024 ** 2],
      ['1.5G', 1.5 * 1024 ** 3],
      ['5m', 5 * 1024 ** 2],
      ['5MB', 5 * 1024 ** 2],
      ['5MiB/s', 5 * 1024 ** 2],
      [' 2M ', 2 * 1024 ** 2],
    ] as const) {
      it(`reads "${raw}" as ${bytes} bytes per second`, () => assert.equal(rate(raw), bytes));
    }

    for (const raw of ['fast', '5T', '-5M', '5 M', '']) {
      it(`rejects "${raw}" with an example of what it wants`, () => {
        assert.throws(() => rate(raw), (e: unknown) => e instanceof UsageError && e.message === `--r must look like 5M, 800K or 1048576, not "${raw}"`);
      });
    }

    it('rejects rates below 1K/s', () => {
      assert.throws(() => rate('1000'), (e: unknown) => e instanceof UsageError && e.message === '--r below 1K/s is not useful');
    });
  });
});
