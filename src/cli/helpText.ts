// Help text as a terminal shows it: wrapped to its width, options in one aligned column.
import type { CommandSpec, OptionSpec } from './args';
import { configKeysOf, configOption, TRACKER_ENV } from './flagDefaults';

/** Past this a line is hard to read, however wide the terminal (clap's default too). */
const MAX_WIDTH = 100;
/** The flag column is as wide as the longest flag up to this; a longer flag gets its description on the next line. */
const MAX_FLAG_COLUMN = 30;
/** Narrower than this, a description goes under its flag instead of beside it. */
const MIN_TEXT_WIDTH = 24;

/** The width help is wrapped to: the terminal's (80 when stdout is not one), at most MAX_WIDTH. */
export function terminalWidth(stream: { columns?: number } = process.stdout): number {
  return Math.min(MAX_WIDTH, Math.max(40, stream.columns || 80));
}

/** `text` in lines of at most `width` characters (a longer word keeps a line of its own), each after `indent`. */
export function wrap(text: string, width: number, indent = '', firstIndent = indent): string[] {
  const lines: string[] = [];
  let line = '';
  const lead = () => (lines.length === 0 ? firstIndent : indent);
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && lead().length + line.length + 1 + word.length > width) {
      lines.push(lead() + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || lines.length === 0) lines.push(lead() + line);
  return lines;
}

/** Two aligned columns, the second wrapped: the options, the environment, the commands. */
export function columns(rows: [string, string][], width: number): string[] {
  const col = Math.max(0, ...rows.map(([left]) => left.length).filter((n) => n <= MAX_FLAG_COLUMN));
  const textWidth = width - (2 + col + 2);
  const out: string[] = [];
  for (const [left, text] of rows) {
    if (textWidth < MIN_TEXT_WIDTH) {
      out.push(`  ${left}`, ...wrap(text, width, ' '.repeat(8)));
      continue;
    }
    const [first, ...rest] = wrap(text, width, ' '.repeat(2 + col + 2));
    if (left.length > col) out.push(`  ${left}`, first);
    else out.push(`  ${left.padEnd(col)}  ${first.trimStart()}`);
    out.push(...rest);
  }
  return out;
}

const helpOption: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };

function optionRow(name: string, o: OptionSpec): [string, string] {
  const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
  const def = o.default !== undefined && o.default !== false ? ` (default ${o.default})` : '';
  return [flag, `${o.help}${def}`];
}

export function helpText(spec: CommandSpec, width = terminalWidth()): string {
  const keys = configKeysOf(spec);
  const options = { ...spec.options, ...(keys.length > 0 ? { config: configOption } : {}), help: helpOption };
  const lines = [
    ...wrap(`usage: sta ${spec.usage}`, width, '    ', ''),
    '',
    ...wrap(spec.summary, width),
    '',
    'options:',
    ...columns(
      Object.entries(options).map(([name, o]) => optionRow(name, o)),
      width,
    ),
  ];
  if (keys.length > 0) {
    const example = keys.includes('tracker') ? ', such as {"tracker":"http://host:7070/announce"}' : '';
    const rows: [string, string][] = [['config file', `a JSON object with any of ${keys.map((k) => `"${k}"`).join(', ')}${example}`]];
    if (keys.includes('tracker')) rows.unshift([TRACKER_ENV, 'tracker URL when --tracker is not given (several: separate them with spaces)']);
    const env = keys.includes('tracker') ? `${TRACKER_ENV}, which beats ` : '';
    lines.push('', ...wrap(`defaults: a flag beats ${env}the config file, which beats the built-in default.`, width));
    lines.push(...columns(rows, width));
  }
  return lines.join('\n');
}
