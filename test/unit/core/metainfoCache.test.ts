// The metainfo cache of a repository: one file for all its files (a restart reads one file, not
// thousands), written atomically, never trusted across repositories, harmless when damaged; and
// a file written to while it was hashed is never cached under its old size and mtime.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { createTorrentOf } from '../../../src/core/metainfo';
import { MetainfoCache } from '../../../src/core/metainfoCache';
import { Repository } from '../../../src/core/repository';
import { makeTempDir } from '../../helpers/files';

const ANNOUNCE = ['http://127.0.0.1:7070/announce'];
const MTIME = 1_700_000_000;

describe('metainfo cache', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let root: string;
  let cacheDir: string;
  beforeEach(async () => {
    tmp = await makeTempDir('sta-mcache-');
    root = join(tmp.dir, 'ws');
    cacheDir = join(tmp.dir, 'cache');
    await fsp.mkdir(root);
  });
  /** repositories with a cache: written (flushed) before their folder goes, or a late save would make it again */
  const cachedRepos: Repository[] = [];
  const cached = () => {
    const repo = new Repository({ root, cacheDir });
    cachedRepos.push(repo);
    return repo;
  };
  afterEach(async () => {
    await Promise.all(cachedRepos.splice(0).map((r) => r.flushCache()));
    await tmp.cleanup();
  });

  /** Writes `n` files with a fixed mtime; their bytes can later change behind the cache's back. */
  const writeFiles = async (n: number, fill?: number) => {
    for (let i = 0; i < n; i++) {
      const path = join(root, `f${i}.bin`);
      await fsp.writeFile(path, fill === undefined ? randomBytes(3000 + i) : Buffer.alloc(3000 + i, fill));
      await fsp.utimes(path, MTIME, MTIME);
    }
    return new Repository({ root }).scan();
  };

  it('200 files: one cache file; a new run (restart) takes every torrent from it without reading a file', async () => {
    const files = await writeFiles(200);
    const repo = cached();
    const first = await Promise.all(files.map((f) => repo.metainfo(f, ANNOUNCE)));
    await repo.flushCache();
    const names = await fsp.readdir(cacheDir);
    assert.equal(names.length, 1, names.join(', '));
    assert.match(names[0], /^repository-[0-9a-f]{40}\.json$/);
    // same sizes and mtimes, other bytes: only a re-hash would notice, so the torrents must come from the cache
    const again = await writeFiles(200, 7);
    assert.deepEqual(again, files);
    const restarted = cached();
    const second = await Promise.all(again.map((f) => restarted.metainfo(f, ANNOUNCE)));
    assert.deepEqual(second.map((m) => m.infoHashHex), first.map((m) => m.infoHashHex));
  });

  it('is written atomically (no temporary file left) and only once per burst of new entries', async () => {
    const files = await writeFiles(50);
    const repo = cached();
    await Promise.all(files.map((f) => repo.metainfo(f, ANNOUNCE)));
    assert.deepEqual(await fsp.readdir(cacheDir).catch(() => []), [], 'nothing written yet: new entries are gathered');
    await repo.flushCache();
    await repo.flushCache(); // nothing new: nothing written
    assert.equal((await fsp.readdir(cacheDir)).filter((n) => n.endsWith('.tmp')).length, 0);
    const doc = JSON.parse(await fsp.readFile(join(cacheDir, (await fsp.readdir(cacheDir))[0]), 'utf8'));
    assert.equal(Object.keys(doc.entries).length, 50);
    assert.equal(doc.root, root);
  });

  it('a damaged cache file costs a re-hash, never an error; another repository never uses this one\'s entries', async () => {
    const [file] = await writeFiles(1);
    const repo = cached();
    const meta = await repo.metainfo(file, ANNOUNCE);
    await repo.flushCache();
    const [name] = await fsp.readdir(cacheDir);
    await fsp.writeFile(join(cacheDir, name), '{"format":1,"root":');
    assert.equal((await cached().metainfo(file, ANNOUNCE)).infoHashHex, meta.infoHashHex);
    const other = new MetainfoCache(cacheDir, join(tmp.dir, 'elsewhere'));
    assert.notEqual(other.file, join(cacheDir, name));
    assert.equal(await other.get(file.path, file.size, file.mtimeMs, JSON.stringify(ANNOUNCE)), undefined);
  });

  it('a file written to while it is hashed is reported unstable and not cached', async () => {
    const path = join(root, 'growing.bin');
    await fsp.writeFile(path, randomBytes(3 << 20)); // three reads of 1 MiB
    await fsp.utimes(path, MTIME, MTIME);
    const [file] = await new Repository({ root }).scan();
    let touched = false;
    const touch = () => {
      if (touched) return;
      touched = true;
      utimesSync(path, MTIME + 10, MTIME + 10); // a write lands during the hash: the mtime moves
    };
    const hashed = await createTorrentOf(path, { onProgress: touch });
    assert.equal(hashed.stable, false);
    assert.equal(hashed.state.mtimeMs, MTIME * 1000);
    const stable = await createTorrentOf(path);
    assert.equal(stable.stable, true);

    // through the repository: the file as scanned (old mtime) is not cached with hashes that may mix versions
    await fsp.utimes(path, MTIME, MTIME);
    const repo = cached();
    const cache = new MetainfoCache(cacheDir, root);
    await fsp.writeFile(path, randomBytes(3 << 20)); // rewritten after the scan: its mtime is now
    await repo.metainfo(file, ANNOUNCE);
    await repo.flushCache();
    assert.equal(await cache.get(path, file.size, file.mtimeMs, JSON.stringify(ANNOUNCE)), undefined);
  });
});
