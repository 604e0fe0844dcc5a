// `sta share` never publishes a secret: not from a folder, not with --exclude, not when the file is named.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '../../helpers/http';
import { startSta, startTrackerChild, type StaProcess, type TrackerChild } from '../../helpers/sta';
import { sleep, waitFor } from '../../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SECRET_FILES, ORDINARY_FILES, writeFiles } = require('../../e2e/fixtures/secretFiles');

const sorted = (a: string[]) => [...a].sort();

describe('sta share and secrets', function () {
  this.timeout(60_000);
  let base: string;
  let root: string;
  let tracker: TrackerChild;
  let share: StaProcess | undefined;

  before(async () => {
    base = await fsp.mkdtemp(join(tmpdir(), 'sta-share-secrets-'));
    root = join(base, 'project');
    writeFiles(root, { ...SECRET_FILES, ...ORDINARY_FILES, 'build.log': 'log\n' });
    tracker = await startTrackerChild();
  });
  afterEach(async () => {
    await share?.stop();
    share = undefined;
  });
  after(async () => {
    await tracker.stop();
    await fsp.rm(base, { recursive: true, force: true });
  });

  const catalogPaths = async () => (JSON.parse((await httpGet(tracker.catalog)).body.toString()).files as { path: string }[]).map((f) => f.path);

  it('a folder with --exclude: the ordinary files are published, none of the secrets', async () => {
    const cache = join(base, 'cache-1');
    share = startSta(['share', root, '--tracker', tracker.announce, '--host', '127.0.0.1', '--exclude', '**/*.log'], { XDG_CACHE_HOME: cache });
    const ordinary = Object.keys(ORDINARY_FILES);
    await waitFor('the ordinary files shared', () => share!.events.filter((e) => e.type === 'sharing').length >= ordinary.length, 30_000);
    await sleep(500); // anything else would be hashed and shared by now
    const shared = share.events.filter((e) => e.type === 'sharing').map((e) => e.path.slice(root.length + 1));
    assert.deepEqual(sorted(shared), sorted(ordinary));
    await waitFor('the catalog to list them', async () => (await catalogPaths()).length >= ordinary.length, 10_000);
    const listed = await catalogPaths();
    assert.deepEqual(listed.filter((p) => p in SECRET_FILES), []);
    assert.deepEqual(sorted(listed), sorted(ordinary));
  });

  it('secret files named one by one are skipped and say why', async () => {
    const named = ['.npmrc', '.aws/credentials', 'infra/terraform.tfstate', 'README.md'].map((r) => join(root, r));
    share = startSta(['share', ...named, '--tracker', tracker.announce, '--host', '127.0.0.1'], { XDG_CACHE_HOME: join(base, 'cache-2') });
    await share.waitEvent((e) => e.type === 'sharing', 'README.md shared');
    await sleep(500);
    assert.deepEqual(share.events.filter((e) => e.type === 'sharing').map((e) => e.path), [join(root, 'README.md')]);
    const skipped = share.events.filter((e) => e.type === 'skipped');
    assert.deepEqual(skipped.map((e) => e.path), named.slice(0, 3));
    for (const e of skipped) assert.match(e.reason, /secret/);
  });
});
