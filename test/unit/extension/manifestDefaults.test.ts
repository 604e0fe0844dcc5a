// package.json's setting defaults (what VS Code shows) and the extension's fallbacks (what it uses) agree,
// and both mirror the engine's own defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_EXCLUDES, DEFAULT_MAX_PEERS, DEFAULT_UPLOAD_SLOTS, SECRET_EXCLUDES } from '../../../src/core/api';
import { Settings } from '../../../src/extension/constants';
import { SettingDefaults } from '../../../src/extension/settingDefaults';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const contributed: Record<string, { default?: unknown; scope?: string; markdownDescription?: string }> = manifest.contributes.configuration.properties;
const defaultOf = (key: string) => contributed[`${Settings.section}.${key}`]?.default;
/** package.json's `%key%` texts as VS Code shows them (in English: package.nls.json) */
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.nls.json'), 'utf8'));
const shown = (s: string | undefined) => s?.replace(/^%(.+)%$/, (_, k: string) => nls[k] ?? s);

describe('contributed setting defaults', () => {
  it('every contributed sta.* setting has an id in constants.ts, and every id is contributed', () => {
    const ids = Object.entries(Settings).filter(([k]) => k !== 'section').map(([, id]) => `${Settings.section}.${id}`);
    assert.deepEqual(Object.keys(contributed).sort(), ids.sort());
  });

  it('package.json defaults equal the fallbacks the extension reads settings with', () => {
    for (const [key, fallback] of Object.entries(SettingDefaults)) assert.deepEqual(defaultOf(key), fallback, `sta.${key}`);
  });

  it('settings the engine also has a default for mirror the engine', () => {
    assert.equal(defaultOf(Settings.maxPeersPerFile), DEFAULT_MAX_PEERS);
    assert.equal(defaultOf(Settings.uploadSlots), DEFAULT_UPLOAD_SLOTS);
  });

  it('sta.exclude adds to the built-in lists: its default is empty and its description names every built-in pattern', () => {
    assert.deepEqual(defaultOf(Settings.exclude), []);
    const text = shown(contributed[`${Settings.section}.${Settings.exclude}`].markdownDescription) ?? '';
    for (const glob of [...DEFAULT_EXCLUDES, ...SECRET_EXCLUDES]) assert.ok(text.includes(`\`${glob}\``), `${glob} in the description`);
  });
});

describe('contributed setting scopes: what a repository cannot set', () => {
  const scopeOf = (key: string) => contributed[`${Settings.section}.${key}`]?.scope;

  it('auto-start, the tracker, the bind address, LAN sharing, bandwidth and seeding limits come from user or remote settings only', () => {
    const machine = [Settings.autoStart, Settings.trackerUrl, Settings.bindAddress, Settings.localTrackerOnLan];
    const bandwidth = [Settings.maxPeersPerFile, Settings.uploadSlots, Settings.maxUploadRate, Settings.maxDownloadRate];
    for (const key of [...machine, ...bandwidth, Settings.seedRatioLimit, Settings.seedTimeMinutes]) assert.equal(scopeOf(key), 'machine', key);
  });

  it('ports may differ per workspace; exclude and the download folder are per folder', () => {
    assert.equal(scopeOf(Settings.listenPort), 'machine-overridable');
    assert.equal(scopeOf(Settings.localTrackerPort), 'machine-overridable');
    assert.equal(scopeOf(Settings.exclude), 'resource');
    assert.equal(scopeOf(Settings.downloadFolder), 'resource');
  });

  it('every setting says its scope', () => {
    assert.deepEqual(Object.keys(contributed).filter((k) => !contributed[k].scope), []);
  });
});
