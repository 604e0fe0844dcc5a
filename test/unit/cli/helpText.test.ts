// Help as a terminal shows it: the usage line and summary, one aligned column of options, every line
// within the terminal's width, and the defaults section for the commands that read the config file.
import assert from 'node:assert/strict';
import { CommandSpec } from '../../../src/cli/args';
import { createSpec } from '../../../src/cli/createCommand';
import { getSpec } from '../../../src/cli/getCommand';
import { columns, helpText, terminalWidth, wrap } from '../../../src/cli/helpText';
import { listSpec } from '../../../src/cli/listCommand';
import { shareSpec } from '../../../src/cli/shareCommand';
import { trackerSpec } from '../../../src/cli/trackerCommand';

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

const ALL = [trackerSpec, shareSpec, getSpec, listSpec, createSpec];

describe('cli help text', () => {
  describe('wrap', () => {
    it('fills lines up to the width, breaking between words', () => {
      assert.deepEqual(wrap('aaa bbb ccc ddd', 7), ['aaa bbb', 'ccc ddd']);
      assert.deepEqual(wrap('aaa bbb ccc', 6), ['aaa', 'bbb', 'ccc']);
    });

    it('indents every line, the first one by its own indent', () => {
      assert.deepEqual(wrap('aa bb cc', 7, '   ', '-'), ['-aa bb', '   cc']);
    });

    it('keeps a word longer than the width whole, on a line of its own', () => {
      const url = 'http://a-very-long-host.example:7070/announce';
      assert.deepEqual(wrap(`see ${url} now`, 20), ['see', url, 'now']);
    });

    it('an empty text is one empty line', () => assert.deepEqual(wrap('', 10, '  '), ['  ']));
  });

  describe('columns', () => {
    it('aligns the second column after the longest first one', () => {
      assert.deepEqual(columns([['a', 'one'], ['bbb', 'two']], 80), ['  a    one', '  bbb  two']);
    });

    it('wraps the second column under itself', () => {
      assert.deepEqual(columns([['ab', 'one two three']], 24 + 6 + 8), ['  ab  one two three']);
      assert.deepEqual(columns([['ab', 'word '.repeat(8).trim()]], 6 + 24), ['  ab  word word word word word', '      word word word']);
    });

    it('a first column longer than 30 puts its text on the next line', () => {
      const long = '-'.repeat(31);
      assert.deepEqual(columns([['a', 'x'], [long, 'y']], 80), ['  a  x', `  ${long}`, '     y']);
    });

    it('a terminal too narrow for two columns gets the text under each row', () => {
      assert.deepEqual(columns([['--some-long-flag VALUE', 'what it does']], 40), ['  --some-long-flag VALUE', '        what it does']);
    });
  });

  describe('terminalWidth', () => {
    it('is the terminal\'s, 80 when there is none, never below 40 or above 100', () => {
      assert.equal(terminalWidth({ columns: 90 }), 90);
      assert.equal(terminalWidth({}), 80);
      assert.equal(terminalWidth({ columns: 0 }), 80);
      assert.equal(terminalWidth({ columns: 20 }), 40);
      assert.equal(terminalWidth({ columns: 330 }), 100);
    });
  });

  describe('helpText', () => {
    const lines = helpText(spec, 80).split('\n');

    it('starts with the usage line and the summary', () => {
      assert.deepEqual(lines.slice(0, 5), ['usage: sta demo THING [--count N]', '', 'Do a demo.', '', 'options:']);
    });

    it('shows the short flag, the placeholder (VALUE when none is named) and a non-false default, in one column', () => {
      assert.deepEqual(lines.slice(5), [
        '  -c, --count N    how many (default 3)',
        '      --tag VALUE  a tag (repeatable)',
        '      --loud       shout',
        '  -h, --help       show this help',
      ]);
    });

    for (const width of [40, 60, 80, 100, 330]) {
      it(`every command's help is wrapped to a ${width}-column terminal (at most 100), descriptions aligned`, () => {
        for (const s of ALL) {
          const text = helpText(s, terminalWidth({ columns: width }));
          // only a word longer than the room left (a URL, the JSON example) may stick out, on a line of its own
          const over = text.split('\n').filter((l) => l.length > Math.min(width, 100) && l.trim().includes(' '));
          assert.deepEqual(over, [], `sta ${s.name} at ${width} columns`);
          if (width < 80) continue;
          // an option's row: its flag, two or more spaces, its description
          const rows = text.split('\n').filter((l) => /^ {2}(-\w, | {4})--\S+( \S+)? {2,}\S/.test(l));
          const cols = new Set(rows.map((l) => /^ {2}(-\w, | {4})--\S+( \S+)? {2,}/.exec(l)![0].length));
          assert.equal(cols.size, 1, `sta ${s.name}: descriptions start in different columns\n${text}`);
        }
      });
    }

    it('every option of every command is in its help, with --help; --config where a config file is read', () => {
      for (const s of ALL) {
        const text = helpText(s, 100);
        for (const name of [...Object.keys(s.options), 'help']) assert.match(text, new RegExp(`--${name}\\b`), `sta ${s.name} --${name}`);
        assert.equal(text.includes('--config FILE'), s !== trackerSpec, s.name);
      }
    });

    it('the commands that read the config file say so: precedence, STA_TRACKER, the settings they take', () => {
      const share = helpText(shareSpec, 100);
      assert.match(share, /^defaults: a flag beats STA_TRACKER, which beats the config file, which beats the built-in default\.$/m);
      assert.match(share, /^ {2}STA_TRACKER {2,}tracker URL when --tracker is not given/m);
      assert.match(share, /"tracker",\s+"host",\s+"port",\s+"max-upload-rate",\s+"max-download-rate",\s+"upload-slots"/);
      assert.match(helpText(listSpec, 100), /a JSON object with any of "tracker", such as/);
      assert.doesNotMatch(helpText(trackerSpec, 100), /defaults:|STA_TRACKER\b|config file/);
    });
  });
});
