// Reading the sta.* settings as VS Code hands them over: the download limit and the seeding limits come
// from user (or remote) settings only, 0 means none, and what a hand-edited settings.json holds that is
// no limit (negative, text) is the default; the engine's bytes per second and core's SeedLimits follow.
import assert from 'node:assert/strict';
import { downloadRateOf, seedLimitsOf, type SettingsSource, settingsFrom } from '../../../src/extension/settingValues';

type Levels = { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown };

/** A `sta` configuration with these values per level; `get` gives the most specific, as VS Code does. */
function source(values: Record<string, Levels>): SettingsSource {
  const inspect = (key: string) => ({ key, ...values[key] });
  const get = (key: string) => {
    const v = values[key];
    return v?.workspaceFolderValue ?? v?.workspaceValue ?? v?.globalValue;
  };
  return { get, inspect } as unknown as SettingsSource;
}

describe('settings: the download limit and seeding limits', () => {
  it('unset: no download limit, and a finished download seeds with no limit', () => {
    const s = settingsFrom(source({}));
    assert.equal(s.maxDownloadRateKiB, 0);
    assert.equal(downloadRateOf(s), undefined);
    assert.deepEqual(seedLimitsOf(s), { ratio: undefined, minutes: undefined });
  });

  it('user values: KiB/s become bytes/s; a ratio and minutes become the limits', () => {
    const s = settingsFrom(
      source({ maxDownloadRate: { globalValue: 512 }, seedRatioLimit: { globalValue: 1.5 }, seedTimeMinutes: { globalValue: 30 } }),
    );
    assert.equal(downloadRateOf(s), 512 * 1024);
    assert.deepEqual(seedLimitsOf(s), { ratio: 1.5, minutes: 30 });
  });

  it('0 is no limit in the extension (never "do not seed")', () => {
    const s = settingsFrom(source({ seedRatioLimit: { globalValue: 0 }, seedTimeMinutes: { globalValue: 10 } }));
    assert.deepEqual(seedLimitsOf(s), { ratio: undefined, minutes: 10 });
  });

  it('a repository cannot set them: workspace and folder values are ignored', () => {
    const repo = { workspaceValue: 1, workspaceFolderValue: 1 };
    const s = settingsFrom(source({ maxDownloadRate: repo, seedRatioLimit: repo, seedTimeMinutes: repo }));
    assert.equal(downloadRateOf(s), undefined);
    assert.deepEqual(seedLimitsOf(s), { ratio: undefined, minutes: undefined });
  });

  it('a negative number or text in settings.json is the default, not a limit', () => {
    const s = settingsFrom(source({ maxDownloadRate: { globalValue: -5 }, seedRatioLimit: { globalValue: 'two' }, seedTimeMinutes: { globalValue: -1 } }));
    assert.equal(downloadRateOf(s), undefined);
    assert.deepEqual(seedLimitsOf(s), { ratio: undefined, minutes: undefined });
  });

  it('the other settings read as before: a user tracker, per-folder excludes added to the built-in ones', () => {
    const tracker = { globalValue: 'http://t:1/announce', workspaceValue: 'http://evil/announce' };
    const s = settingsFrom(source({ trackerUrl: tracker, exclude: { workspaceValue: ['*.log'] } }), ['**/.DS_Store']);
    assert.equal(s.trackerUrl, 'http://t:1/announce');
    assert.ok(s.exclude.includes('*.log') && s.exclude.includes('**/.DS_Store'));
  });
});
