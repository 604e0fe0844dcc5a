// The config file (`--config FILE`, else $XDG_CONFIG_HOME/sta/config.json, else ~/.config/sta/config.json):
// defaults for flags, a JSON object keyed by the long flag names, so the file and the flags share one vocabulary.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { UsageError } from './usageError';

/** The settings a config file may hold: the flags worth setting once per machine rather than on every call. */
export const CONFIG_KEYS = {
  tracker: 'a URL or a list of URLs',
  host: 'a string',
  port: 'a number',
  'max-upload-rate': 'a rate such as "5M"',
  'max-download-rate': 'a rate such as "5M"',
  'upload-slots': 'a number',
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** A config file's settings, every value as a flag would carry it (strings, lists of strings). */
export interface Config {
  file: string;
  values: Partial<Record<ConfigKey, string | string[]>>;
}

/** Where the config file is when no --config names one (XDG Base Directory: a relative XDG_CONFIG_HOME is ignored). */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'sta', 'config.json');
}

/** Reads and checks a config file; a missing default file is no config, anything wrong with one is a UsageError naming it. */
export function readConfig(file: string, named: boolean): Config | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !named) return undefined;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message;
    throw new UsageError(`${named ? '--config ' : 'config file '}${file}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, '')); // a BOM from a Windows editor is no error
  } catch (e) {
    throw new UsageError(`config file ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`config file ${file}: must hold a JSON object such as {"tracker": "http://host:7070/announce"}`);
  }
  const values: Config['values'] = {};
  for (const [key, raw] of Object.entries(json)) {
    if (!(key in CONFIG_KEYS)) throw new UsageError(`config file ${file}: unknown setting "${key}" (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
    const value = flagValue(key as ConfigKey, raw);
    if (value === undefined) throw new UsageError(`config file ${file}: "${key}" must be ${CONFIG_KEYS[key as ConfigKey]}, not ${JSON.stringify(raw)}`);
    values[key as ConfigKey] = value;
  }
  return { file, values };
}

/** A JSON value as the flag would have it, or undefined when it is the wrong type. */
function flagValue(key: ConfigKey, raw: unknown): string | string[] | undefined {
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (key === 'tracker') {
    if (nonEmpty(raw)) return [raw as string];
    return Array.isArray(raw) && raw.length > 0 && raw.every(nonEmpty) ? (raw as string[]) : undefined;
  }
  if (typeof raw === 'number' && Number.isFinite(raw) && key !== 'host') return String(raw);
  return nonEmpty(raw) ? (raw as string) : undefined;
}
