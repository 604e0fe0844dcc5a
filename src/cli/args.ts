// Argument parsing for every `sta` subcommand: node:util's parseArgs, then the defaults a flag
// left out takes (environment, config file, built-in), and checks that name where a bad value came from.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { originOf, readsConfig, withDefaults } from './flagDefaults';
import { helpText } from './helpText';
import { UsageError } from './usageError';

export { helpText, UsageError };

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

export function parse(spec: CommandSpec, argv: string[]): { values: Record<string, any>; positionals: string[] } {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  if (readsConfig(spec)) options.config = { type: 'string' };
  // no defaults here: a flag left out may still take its value from the environment or the config file
  for (const [name, o] of Object.entries(spec.options)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), multiple: o.multiple === true };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${helpText(spec)}`);
  }
  return { values: withDefaults(spec, parsed.values), positionals: parsed.positionals };
}

export function intOption(values: Record<string, any>, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${originOf(values, name)} must be an integer from ${min} to ${max}, not "${raw}"`);
  return n;
}

/** "5M", "800K", "1.5G" or plain bytes per second. */
export function rateOption(values: Record<string, any>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMG]?)(?:i?B)?(?:\/s)?$/i.exec(String(raw).trim());
  const origin = originOf(values, name);
  if (!m) throw new UsageError(`${origin} must look like 5M, 800K or 1048576, not "${raw}"`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = Math.round(Number(m[1]) * mult);
  if (n < 1024) throw new UsageError(`${origin} below 1K/s is not useful`);
  return n;
}
