// SharedFolder (issue 9, items 1 and 2): a folder shared as a living repository. Files the watcher
// reports are published once they settle, changed ones replace their old version in the catalog,
// deleted, excluded and secret ones are not shared, and a changed file found by a read (no
// watcher at all) is re-hashed and republished. In process: a real tracker and engine on loopback.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../../src/core/engine';
import { SharedFolder, type SharedFolderEntry } from '../../../src/core/sharedFolder';
import { TrackerServer } from '../../../src/core/tracker/server';
import { sleep, waitFor } from '../../helpers/wait';

const SETTLE = 300;

describe('SharedFolder', function () {
  this.timeout(30_000);
  let base: string;
  let root: string;
  let tracker: TrackerServer;
  let engine: Engine;
  let folder: SharedFolder;
  let events: string[];

  beforeEach(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-folder-')));
    root = join(base, 'ws');
    await fsp.mkdir(root);
    tracker = new TrackerServer({ host: '127.0.0.1', port: 0, interval: 1 });
    await tracker.listen();
    engine = new Engine({ host: '127.0.0.1', trackers: [tracker.announceUrl] });
    await engine.listen();
    folder = new SharedFolder({ engine, root, cacheDir: join(base, 'cache'), trackers: [tracker.announceUrl], settleMs: SETTLE });
    events = [];
    folder.on('shared', (e: SharedFolderEntry, previous?: string) => events.push(`shared ${e.relPath} ${e.meta.length}${previous ? ' update' : ''}`));
    folder.on('unshared', (rel: string) => events.push(`unshared ${rel}`));
  });
  afterEach(async () => {
    await folder.close(); // its metainfo cache written before the folder goes
    await engine.close();
    await tracker.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  /** The catalog as `path=infoHash` lines. */
  const catalog = () => [...tracker.catalog.values()].map((e) => `${e.path}=${e.meta.infoHashHex}`).sort();
  const write = (rel: string, data: string | Buffer) => fsp.writeFile(join(root, rel), data);
  const hashOf = (rel: string) => folder.entries().find((e) => e.relPath === rel)?.meta.infoHashHex;

  it('shareAll seeds and publishes; a new file is published once it settles; excluded and secret ones never', async () => {
    await write('a.txt', 'alpha');
    const st = await fsp.stat(join(root, 'a.txt'));
    await folder.shareAll([{ path: join(root, 'a.txt'), relPath: 'a.txt', size: st.size, mtimeMs: st.mtimeMs }]);
    assert.deepEqual(events, ['shared a.txt 5']);
    await waitFor('a.txt in the catalog', () => catalog().length === 1, 5000, 50);
    await fsp.mkdir(join(root, 'sub'));
    await write('sub/b.bin', 'bravo!');
    await fsp.mkdir(join(root, 'node_modules'));
    await write('node_modules/x.js', 'x');
    await write('.env', 'TOKEN=1');
    await write('server.pem', 'key');
    for (const rel of ['sub/b.bin', 'node_modules/x.js', '.env', 'server.pem']) folder.changed(rel);
    const settled = Date.now();
    await waitFor('sub/b.bin in the catalog', () => catalog().some((l) => l.startsWith('sub/b.bin=')), 5000, 50);
    assert.ok(Date.now() - settled < 2000 + SETTLE, `published ${Date.now() - settled} ms after the change`);
    await sleep(SETTLE * 2);
    assert.deepEqual(events, ['shared a.txt 5', 'shared sub/b.bin 6']);
    assert.deepEqual(folder.entries().map((e) => e.relPath).sort(), ['a.txt', 'sub/b.bin']);
  });

  it('a changed file replaces its old version: old session stopped, one catalog entry for the path, the new info-hash', async () => {
    await write('r.bin', 'version one');
    folder.changed('r.bin');
    await waitFor('v1 published', () => catalog().length === 1, 5000, 50);
    const v1 = hashOf('r.bin')!;
    await sleep(20);
    await write('r.bin', 'version two, longer');
    folder.changed('r.bin');
    await waitFor('v2 published', () => hashOf('r.bin') !== v1 && catalog().length === 1 && !catalog()[0].endsWith(v1), 5000, 50);
    const v2 = hashOf('r.bin')!;
    assert.deepEqual(catalog(), [`r.bin=${v2}`]);
    assert.equal(engine.sessions.has(v1), false, 'the old version is no longer seeded');
    assert.equal(engine.sessions.get(v2)?.state, 'seeding');
    assert.deepEqual(events, ['shared r.bin 11', 'shared r.bin 19 update']);
  });

  it('a file written slowly in chunks over ~1 s is published once, complete', async () => {
    const fh = await fsp.open(join(root, 'slow.bin'), 'w');
    for (let i = 0; i < 5; i++) {
      await fh.write(Buffer.alloc(1000, i));
      folder.changed('slow.bin');
      await sleep(200);
    }
    await fh.close();
    folder.changed('slow.bin');
    await waitFor('slow.bin published', () => catalog().length === 1, 5000, 50);
    await sleep(SETTLE * 2);
    assert.deepEqual(events, ['shared slow.bin 5000']);
  });

  it('removed (or changed to gone) unshares: session stopped, catalog entry gone', async () => {
    await write('gone.txt', 'bye');
    await write('kept.txt', 'stay');
    folder.changed('gone.txt');
    folder.changed('kept.txt');
    await waitFor('both published', () => catalog().length === 2, 5000, 50);
    const h = hashOf('gone.txt')!;
    await fsp.rm(join(root, 'gone.txt'));
    folder.removed('gone.txt');
    await waitFor('gone.txt out of the catalog', () => catalog().length === 1, 5000, 50);
    assert.equal(engine.sessions.has(h), false);
    assert.ok(events.includes('unshared gone.txt'));
    // a rename: the old name goes, the new one comes
    await fsp.rename(join(root, 'kept.txt'), join(root, 'moved.txt'));
    folder.changed('kept.txt');
    folder.changed('moved.txt');
    await waitFor('renamed in the catalog', () => catalog().length === 1 && catalog()[0].startsWith('moved.txt='), 5000, 50);
  });

  it('without any watcher: a read of a changed file is refused, and the new version is hashed and published', async () => {
    await write('w.bin', Buffer.alloc(40_000, 1));
    folder.changed('w.bin');
    await waitFor('published', () => catalog().length === 1, 5000, 50);
    const v1 = hashOf('w.bin')!;
    const session = engine.sessions.get(v1)!;
    await sleep(20);
    await write('w.bin', Buffer.alloc(40_000, 2)); // same size, new bytes; nobody tells the folder
    await assert.rejects(session.store.readBlock(0, 0, 16384), (e: Error) => e.name === 'StaleFileError');
    await waitFor('v2 published', () => catalog().length === 1 && hashOf('w.bin') !== v1 && catalog()[0] === `w.bin=${hashOf('w.bin')}`, 5000, 50);
    assert.equal(engine.sessions.has(v1), false);
  });
});
