// package.json's setting defaults (what VS Code shows) and the extension's fallbacks (what it uses) agree,
// and both mirror the engine's own defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_EXCLUDES, DEFAULT_MAX_PEERS, DEFAULT_UPLOAD_SLOTS } from '../../../src/core/api';
import { Settings } from '../../../src/extension/constants';
import { SettingDefaults } from '../../../src/extension/settingDefaults';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const contributed: Record<string, { default?: unknown }> = manifest.contributes.configuration.properties;
const defaultOf = (key: string) => contributed[`${Settings.section}.${key}`]?.default;

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
    assert.deepEqual(defaultOf(Settings.exclude), DEFAULT_EXCLUDES);
  });
});
