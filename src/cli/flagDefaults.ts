// Where a flag's value comes from when it is not on the command line: a flag beats the environment
// (STA_TRACKER), which beats the config file, which beats the built-in default.
import { announceUrlOf } from '../core/api';
import type { CommandSpec, OptionSpec } from './args';
import { CONFIG_KEYS, type ConfigKey, defaultConfigPath, readConfig } from './configFile';
import { UsageError } from './usageError';

export const TRACKER_ENV = 'STA_TRACKER';

/** The commands that take defaults from STA_TRACKER and the config file (`sta tracker`'s host and port are the tracker's own). */
const READS_CONFIG = new Set(['share', 'get', 'list', 'create']);

export const readsConfig = (spec: CommandSpec): boolean => READS_CONFIG.has(spec.name);

export const configOption: OptionSpec = {
  type: 'string',
  arg: 'FILE',
  help: 'read defaults from FILE (default: config.json in $XDG_CONFIG_HOME/sta, else in ~/.config/sta)',
};

/** The config keys `spec` has a flag for. */
export const configKeysOf = (spec: CommandSpec): ConfigKey[] =>
  readsConfig(spec) ? (Object.keys(CONFIG_KEYS) as ConfigKey[]).filter((k) => k in spec.options) : [];

/** Where each value not from its flag came from, for errors that name it (`--port` or `config file F: "port"`). */
const origins = new WeakMap<object, Record<string, string>>();

/** What to call the source of `values[name]` in an error: the flag, STA_TRACKER or the config file's setting. */
export function originOf(values: object, name: string): string {
  return origins.get(values)?.[name] ?? `--${name}`;
}

/**
 * `given` (parseArgs' values, no defaults) completed from the environment, the config file and the
 * built-in defaults, every tracker URL checked. `env` is the process environment (tests pass their own).
 */
export function withDefaults(spec: CommandSpec, given: Record<string, any>, env: NodeJS.ProcessEnv = process.env): Record<string, any> {
  const values: Record<string, any> = { ...given };
  const from: Record<string, string> = {};
  origins.set(values, from);
  const keys = configKeysOf(spec);
  if (keys.length > 0 && !values.help) {
    const named = values.config as string | undefined;
    const config = readConfig(named ?? defaultConfigPath(env), named !== undefined);
    const envValue = env[TRACKER_ENV]?.trim();
    const envTrackers = envValue ? envValue.split(/\s+/) : undefined;
    for (const key of keys) {
      if (values[key] !== undefined) continue;
      const multiple = spec.options[key].multiple === true;
      const set = (value: string | string[], origin: string) => {
        values[key] = multiple ? [value].flat() : [value].flat()[0];
        from[key] = origin;
      };
      if (key === 'tracker' && envTrackers) set(envTrackers, TRACKER_ENV);
      else if (config?.values[key] !== undefined) set(config.values[key], `config file ${config.file}: "${key}"`);
    }
  }
  // --help answers whatever else the command line says
  if (values.tracker !== undefined && !values.help) for (const url of [values.tracker].flat()) checkTrackerUrl(originOf(values, 'tracker'), url);
  for (const [name, o] of Object.entries(spec.options)) if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
  return values;
}

/** A tracker URL must be http(s): a usage error names where it came from and what it was. */
function checkTrackerUrl(origin: string, url: string): void {
  try {
    announceUrlOf(url);
  } catch {
    throw new UsageError(`${origin} must be an http(s) URL such as http://host:7070/announce, not "${url}"`);
  }
}
