// Argument parsing for every `sta` subcommand: node:util's parseArgs plus help text.
import { parseArgs, ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  help: string;
  arg?: string; // placeholder shown in help
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
}

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: sta ${spec.usage}`, '', spec.summary, '', 'options:'];
  const all = { ...spec.options, help: { type: 'boolean', short: 'h', help: 'show this help' } as OptionSpec };
  for (const [name, o] of Object.entries(all)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default ${o.default})` : '';
    lines.push(`  ${flag.padEnd(30)} ${o.help}${def}`);
  }
  return lines.join('\n');
}

export function parse(spec: CommandSpec, argv: string[]): { values: Record<string, any>; positionals: string[] } {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) {
    const opt: Record<string, unknown> = { type: o.type };
    if (o.short) opt.short = o.short;
    if (o.multiple) opt.multiple = true;
    if (o.default !== undefined) opt.default = o.default;
    options[name] = opt as any;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${helpText(spec)}`);
  }
}

export function intOption(values: Record<string, any>, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  return n;
}

/** "5M", "800K", "1.5G" or plain bytes per second. */
export function rateOption(values: Record<string, any>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMG]?)(?:i?B)?(?:\/s)?$/i.exec(String(raw).trim());
  if (!m) throw new UsageError(`--${name} must look like 5M, 800K or 1048576, not "${raw}"`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = Math.round(Number(m[1]) * mult);
  if (n < 1024) throw new UsageError(`--${name} below 1K/s is not useful`);
  return n;
}
