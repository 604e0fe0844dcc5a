// `sta get`'s seeding and download limits as a user types them: --seed-ratio R and --seed-time MIN
// (fractions allowed, 0 allowed, both imply --seed), --max-download-rate from a flag or the config file.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, UsageError } from '../../../src/cli/args';
import { engineOptionsFrom } from '../../../src/cli/engineOptions';
import { getSpec, numberOption } from '../../../src/cli/getCommand';
import { shareSpec } from '../../../src/cli/shareCommand';
import { isolateCliEnv } from '../../helpers/cliEnv';
import { staInProcess } from '../../helpers/staInProcess';

describe('sta get seeding limits and the download limit', () => {
  const cli = isolateCliEnv();
  const config = (settings: unknown) => {
    mkdirSync(join(cli.configHome(), 'sta'), { recursive: true });
    writeFileSync(cli.configFile(), JSON.stringify(settings));
  };
  afterEach(() => config({}));

  const values = (...argv: string[]) => parse(getSpec, ['x.torrent', ...argv]).values;

  it('reads --seed-ratio and --seed-time as numbers, fractions and 0 included; absent is no limit', () => {
    assert.equal(numberOption(values('--seed-ratio', '1.5'), 'seed-ratio'), 1.5);
    assert.equal(numberOption(values('--seed-ratio', '0'), 'seed-ratio'), 0);
    assert.equal(numberOption(values('--seed-time', '90'), 'seed-time'), 90);
    assert.equal(numberOption(values('--seed-time', '0.5'), 'seed-time'), 0.5);
    assert.equal(numberOption(values(), 'seed-ratio'), undefined);
  });

  for (const bad of ['-1', 'two', '1e3', '', 'Infinity']) {
    it(`--seed-ratio "${bad}" is a usage error naming the flag`, () => {
      assert.throws(
        () => numberOption(values(`--seed-ratio=${bad}`), 'seed-ratio'),
        (e: unknown) => e instanceof UsageError && e.message === `--seed-ratio must be a number of 0 or more such as 1.5, not "${bad}"`,
      );
    });
  }

  it('sta get --seed-time soon exits 2 with the reason, before fetching anything', async () => {
    const r = await staInProcess('get', 'x.torrent', '--seed-time', 'soon');
    assert.equal(r.code, 2);
    assert.match(r.err, /--seed-time must be a number of 0 or more such as 1\.5, not "soon"/);
  });

  it('--max-download-rate comes from the flag, else the config file; a bad one names where it came from', () => {
    assert.equal(engineOptionsFrom(values('--max-download-rate', '1M'), []).maxDownloadRate, 1024 * 1024);
    config({ 'max-download-rate': '2M' });
    assert.equal(engineOptionsFrom(values(), []).maxDownloadRate, 2 * 1024 * 1024);
    assert.equal(engineOptionsFrom(parse(shareSpec, ['f']).values, []).maxDownloadRate, 2 * 1024 * 1024, 'sta share too');
    assert.equal(engineOptionsFrom(values('--max-download-rate', '512K'), []).maxDownloadRate, 512 * 1024, 'the flag wins');
    config({ 'max-download-rate': 'fast' });
    assert.throws(
      () => engineOptionsFrom(values(), []),
      (e: unknown) => e instanceof UsageError && /^config file .*: "max-download-rate" must look like 5M/.test(e.message),
    );
  });
});
