import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTorrent } from '../../../src/core/metainfo';
import { DEFAULT_EXCLUDES, isSecretPath, Repository, SECRET_EXCLUDES, type SharedFile } from '../../../src/core/repository';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SECRET_FILES, ORDINARY_FILES } = require('../../e2e/fixtures/secretFiles') as Record<string, Record<string, string>>;

const ANNOUNCE = ['http://127.0.0.1:7070/announce'];
/** a whole second, so mtimeMs survives utimes exactly */
const MTIME = 1_700_000_000;

describe('Repository', () => {
  let base: string;
  let root: string;
  let cacheDir: string;
  const write = async (rel: string, content: string | Buffer = 'x') => {
    await fsp.mkdir(dirname(join(root, rel)), { recursive: true });
    await fsp.writeFile(join(root, rel), content);
  };
  const rels = (files: SharedFile[]) => files.map((f) => f.relPath);

  beforeEach(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-repo-')));
    root = join(base, 'workspace');
    cacheDir = join(base, 'cache');
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
    await fsp.rm(base, { recursive: true, force: true });
  });

  describe('scan', () => {
    it('shares regular non-empty files, sorted, with forward-slash paths; the default excludes keep secrets and tooling out', async () => {
      const shared = ['a.txt', 'docs/guide.md', 'docs/deep/z.bin'];
      const excluded = ['.git/config', 'sub/.git/HEAD', 'node_modules/x/index.js', '.vscode/settings.json', '.sta/abc.part', '.env', 'app/.env.local'];
      for (const rel of [...shared, ...excluded, 'server.pem', 'tls/server.key', 'home/id_rsa']) await write(rel);
      await write('empty.txt', '');
      const files = await new Repository({ root }).scan();
      assert.deepEqual(rels(files), ['a.txt', 'docs/deep/z.bin', 'docs/guide.md']);
      const a = files[0];
      const st = await fsp.stat(join(root, 'a.txt'));
      assert.deepEqual(a, { path: join(root, 'a.txt'), relPath: 'a.txt', size: 1, mtimeMs: st.mtimeMs });
    });

    it('follows no symlinks, to files or folders, inside or outside the root', async () => {
      await write('real.txt');
      const outside = join(base, 'outside');
      await fsp.mkdir(outside);
      await fsp.writeFile(join(outside, 'secret.txt'), 'secret');
      await fsp.symlink(join(root, 'real.txt'), join(root, 'link.txt'));
      await fsp.symlink(outside, join(root, 'linked-dir'));
      assert.deepEqual(rels(await new Repository({ root }).scan()), ['real.txt']);
    });

    it('files.exclude-style patterns: a folder name, an extension anywhere, a root folder, a dot-file', async () => {
      const tree = ['keep.ts', 'src/keep.ts', 'build/out.js', 'src/build/gen.js', 'debug.log', 'src/trace.log', 'out/x.js', 'src/out/y.js'];
      for (const rel of [...tree, '.DS_Store', 'src/.DS_Store']) await write(rel);
      const excludes = [...DEFAULT_EXCLUDES, '**/build', '**/*.log', 'out/**', '**/.DS_Store'];
      assert.deepEqual(rels(await new Repository({ root, excludes }).scan()), ['keep.ts', 'src/keep.ts', 'src/out/y.js']);
    });

    it('no excludes shares everything but secrets; maxFiles caps the walk', async () => {
      for (const rel of ['.env', '.git/config', 'a.txt', 'b.txt', 'c.txt']) await write(rel);
      assert.deepEqual(rels(await new Repository({ root, excludes: [] }).scan()), ['.git/config', 'a.txt', 'b.txt', 'c.txt']);
      assert.equal((await new Repository({ root, excludes: [], maxFiles: 2 }).scan()).length, 2);
    });

    it('says when maxFiles cut the scan short, and not when everything fitted exactly; empty files take no room', async () => {
      for (const rel of ['a.txt', 'b.txt', 'sub/c.txt']) await write(rel);
      await fsp.writeFile(join(root, 'empty.txt'), '');
      const fits = new Repository({ root, excludes: [], maxFiles: 3 });
      assert.deepEqual(rels(await fits.scan()), ['a.txt', 'b.txt', 'sub/c.txt']);
      assert.equal(fits.truncated, false);
      const cut = new Repository({ root, excludes: [], maxFiles: 2 });
      assert.equal((await cut.scan()).length, 2);
      assert.equal(cut.truncated, true);
    });

    describe('secrets never leave, whatever the excludes say', () => {
      const ordinary = Object.keys(ORDINARY_FILES).sort((a, b) => a.localeCompare(b));
      beforeEach(async () => {
        for (const [rel, content] of Object.entries({ ...SECRET_FILES, ...ORDINARY_FILES })) await write(rel, content);
      });

      const cases: [string, string[] | undefined][] = [
        ['no excludes at all', []],
        ['the defaults', undefined],
        ['a user\'s own list', ['**/*.log', 'docs/**']],
      ];
      for (const [what, excludes] of cases) {
        it(`with ${what}: not one of ${Object.keys(SECRET_FILES).length} secret files is listed`, async () => {
          const listed = rels(await new Repository({ root, excludes }).scan());
          const leaked = listed.filter((r) => r in SECRET_FILES);
          assert.deepEqual(leaked, []);
          assert.deepEqual(listed, excludes?.includes('docs/**') ? ordinary.filter((r) => !r.startsWith('docs/')) : ordinary);
        });
      }

      it('in upper case too, and a named file is recognised by its whole path', async () => {
        await write('CERTS/SITE.PEM');
        await write('Keys/.NPMRC');
        assert.deepEqual(rels(await new Repository({ root, excludes: [] }).scan()).filter((r) => /CERTS|NPMRC/.test(r)), []);
        assert.equal(isSecretPath('/home/me/.aws/credentials'), true);
        assert.equal(isSecretPath('C:\\Users\\me\\.ssh\\config'), true);
        assert.equal(isSecretPath('/home/me/project/notes.md'), false);
        assert.ok(SECRET_EXCLUDES.every((g) => !DEFAULT_EXCLUDES.includes(g)), 'the two lists do not overlap');
      });
    });
  });

  describe('metainfo cache (path + size + mtime)', () => {
    const fileAt = async (rel: string, content: Buffer): Promise<SharedFile> => {
      await write(rel, content);
      await fsp.utimes(join(root, rel), MTIME, MTIME);
      const [file] = (await new Repository({ root }).scan()).filter((f) => f.relPath === rel);
      return file;
    };
    const hashesOf = async (content: Buffer) => {
      await fsp.writeFile(join(base, 'expected.bin'), content);
      return (await createTorrent(join(base, 'expected.bin'))).pieceHashes;
    };

    it('an unchanged file is not hashed again: the cached metainfo is returned even if its bytes secretly changed', async () => {
      const original = randomBytes(100_000);
      const file = await fileAt('data.bin', original);
      const repo = cached();
      const first = await repo.metainfo(file, ANNOUNCE);
      assert.deepEqual(first.pieceHashes, await hashesOf(original));
      await repo.flushCache();
      assert.equal((await fsp.readdir(cacheDir)).length, 1, 'one cache file for the repository');
      // Same size and mtime, other bytes: only a re-hash would notice.
      const same = await fileAt('data.bin', randomBytes(100_000));
      assert.deepEqual(same, file);
      const second = await cached().metainfo(same, ANNOUNCE);
      assert.equal(second.infoHashHex, first.infoHashHex);
      assert.deepEqual(second.torrent, first.torrent);
    });

    it('a changed file (size or mtime) gets new hashes, and the cache then holds them', async () => {
      const repo = cached();
      const first = await repo.metainfo(await fileAt('data.bin', randomBytes(50_000)), ANNOUNCE);
      const grown = randomBytes(60_000);
      const changed = await fileAt('data.bin', grown);
      const second = await repo.metainfo(changed, ANNOUNCE);
      assert.notEqual(second.infoHashHex, first.infoHashHex);
      assert.deepEqual(second.pieceHashes, await hashesOf(grown));
      const touched = randomBytes(60_000);
      await write('data.bin', touched);
      await fsp.utimes(join(root, 'data.bin'), MTIME + 5, MTIME + 5);
      const later = { ...changed, mtimeMs: (MTIME + 5) * 1000 };
      const third = await repo.metainfo(later, ANNOUNCE);
      assert.deepEqual(third.pieceHashes, await hashesOf(touched));
      await write('data.bin', randomBytes(60_000));
      await fsp.utimes(join(root, 'data.bin'), MTIME + 5, MTIME + 5);
      assert.deepEqual((await repo.metainfo(later, ANNOUNCE)).pieceHashes, third.pieceHashes, 'served from the updated cache');
    });

    it('another tracker list is another torrent; without a cacheDir every call hashes', async () => {
      const file = await fileAt('data.bin', randomBytes(20_000));
      const repo = cached();
      const one = await repo.metainfo(file, ANNOUNCE);
      const two = await repo.metainfo(file, [...ANNOUNCE, 'http://10.0.0.2:7070/announce']);
      assert.deepEqual(two.announceList, [[ANNOUNCE[0]], ['http://10.0.0.2:7070/announce']]);
      assert.equal(two.infoHashHex, one.infoHashHex, 'the info dictionary is the same');
      assert.ok(!two.torrent.equals(one.torrent));

      const uncached = new Repository({ root });
      const before = await uncached.metainfo(file, ANNOUNCE);
      const other = randomBytes(20_000);
      await write('data.bin', other);
      await fsp.utimes(join(root, 'data.bin'), MTIME, MTIME);
      const after = await uncached.metainfo(file, ANNOUNCE);
      assert.notDeepEqual(after.pieceHashes, before.pieceHashes);
      assert.deepEqual(after.pieceHashes, await hashesOf(other));
    });
  });

  describe('torrents for a team tracker', () => {
    it('are private (BEP 27) when the announce URL carries a team key, public otherwise', async () => {
      await write('data.bin', randomBytes(30_000));
      const [file] = await new Repository({ root }).scan();
      const repo = cached();
      const keyed = await repo.metainfo(file, ['http://127.0.0.1:7070/0123456789abcdef0123456789abcdef/announce']);
      assert.equal(keyed.private, true);
      assert.equal((await repo.metainfo(file, ANNOUNCE)).private, false);
      assert.equal((await cached().metainfo(file, keyed.announceList[0])).private, true, 'and from the cache');
    });
  });

  describe('abort', () => {
    it('an aborted hashing pass stops at once, not at the end of the file', async () => {
      const big = join(root, 'big.bin');
      await fsp.writeFile(big, '');
      await fsp.truncate(big, 2 * 1024 ** 3); // sparse: 2 GiB of zeros to hash
      const [file] = await new Repository({ root }).scan();
      const abort = new AbortController();
      const started = Date.now();
      setTimeout(() => abort.abort(), 100);
      await assert.rejects(cached().metainfo(file, ANNOUNCE, abort.signal), { name: 'AbortError' });
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    });
  });
});
