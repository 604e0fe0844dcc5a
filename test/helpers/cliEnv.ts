// `sta` in tests never reads the real user's config file or STA_TRACKER: each suite gets an empty
// config folder of its own (XDG_CONFIG_HOME) for as long as it runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEYS = ['XDG_CONFIG_HOME', 'STA_TRACKER'] as const;

/** Mocha hooks: XDG_CONFIG_HOME is a fresh empty folder and STA_TRACKER unset; returns that folder's path (after `before`). */
export function isolateCliEnv(): { configHome: () => string; configFile: () => string } {
  const saved: Partial<Record<(typeof KEYS)[number], string>> = {};
  let dir = '';
  before(() => {
    for (const k of KEYS) saved[k] = process.env[k];
    dir = mkdtempSync(join(tmpdir(), 'sta-config-'));
    process.env.XDG_CONFIG_HOME = dir;
    delete process.env.STA_TRACKER;
  });
  after(() => {
    for (const k of KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { configHome: () => dir, configFile: () => join(dir, 'sta', 'config.json') };
}
