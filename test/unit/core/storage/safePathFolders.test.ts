// Catalog paths (`a/config.json`) checked part by part, and the folders on the way: never a symlink,
// never a file standing where a folder is needed, nothing made outside the download folder.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderInside, MAX_PATH_BYTES, NotAFolderError, PathError, safeParts } from '../../../../src/core/storage/safePath';

describe('safePath: catalog paths and their folders', () => {
  let base: string;
  let root: string;
  beforeEach(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-folders-')));
    root = join(base, 'downloads');
    await fsp.mkdir(root);
  });
  afterEach(() => fsp.rm(base, { recursive: true, force: true }));

  const listing = async (dir: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      out.push(e.name);
      if (e.isDirectory()) out.push(...(await listing(join(dir, e.name))).map((n) => `${e.name}/${n}`));
    }
    return out.sort();
  };

  const hostile: [string, RegExp][] = [
    ['../escape.txt', /part 1 "\.\.".*directory/],
    ['a/../../escape.txt', /part 2 "\.\."/],
    ['a/./b.txt', /part 2 "\."/],
    ['/etc/passwd', /absolute/],
    ['a//b.txt', /part 2 "".*empty/],
    ['a/', /part 2 "".*empty/],
    ['a\\..\\b.txt', /separator/],
    ['C:/evil.exe', /drive/],
    ['a/b\0c/d.txt', /NUL/],
    ['a/line\nbreak/d.txt', /control/],
    [`a/${'x'.repeat(256)}/d.txt`, /256 bytes/],
    [`${'a/'.repeat(600)}d.txt`, /1205 characters.*1024/],
    ['.sta/0123456789012345678901234567890123456789.part', /STA's own folder/],
    ['.STA/x.bin', /STA's own folder/],
    ['.sta', /STA's own folder/],
  ];
  for (const [relPath, why] of hostile) {
    it(`refuses ${JSON.stringify(relPath.length > 40 ? relPath.slice(0, 40) + '…' : relPath)} and makes nothing`, async () => {
      for (const create of [false, true]) {
        await assert.rejects(folderInside(root, relPath, create), (e: unknown) => {
          assert.ok(e instanceof PathError, String(e));
          assert.match(e.message, why);
          assert.ok(e.message.includes(JSON.stringify(relPath)), `the message names the path: ${e.message}`);
          return true;
        });
      }
      assert.deepEqual(await listing(base), ['downloads']);
    });
  }

  it('accepts ordinary paths: nested, dot-files, spaces, non-ASCII; a nested .sta is not ours', () => {
    for (const p of ['a/config.json', 'data/train/x.bin', '.github/workflows/ci.yml', 'my docs/ファイル.txt', 'src/.sta/x', '..dots/x']) {
      assert.deepEqual(safeParts(p, 'linux'), p.split('/'));
    }
  });

  it("on Windows, device names, trailing dots or spaces and <>:\"|?* are refused in every part; elsewhere they are plain names", () => {
    for (const p of ['a/CON/x.txt', 'a/nul.txt', 'lpt1', 'com9.log', 'a./b.txt', 'a /b.txt', 'a/b.txt.', 'a/file.txt:stream', 'a/what?.txt']) {
      assert.throws(() => safeParts(p, 'win32'), (e: unknown) => e instanceof PathError && /Windows reserves/.test(e.message), p);
      assert.deepEqual(safeParts(p, 'linux'), p.split('/'));
    }
    assert.deepEqual(safeParts('console/conf.txt', 'win32'), ['console', 'conf.txt']);
  });

  it('missing folders are reported, not made, unless asked; then each is made inside the folder', async () => {
    const found = await folderInside(root, 'data/train/x.bin');
    assert.deepEqual(found, { folder: join(root, 'data', 'train'), name: 'x.bin', exists: false });
    assert.deepEqual(await fsp.readdir(root), []);
    const made = await folderInside(root, 'data/train/x.bin', true);
    assert.deepEqual(made, { folder: join(root, 'data', 'train'), name: 'x.bin', exists: true });
    assert.deepEqual(await listing(base), ['downloads', 'downloads/data', 'downloads/data/train']);
    assert.ok((await fsp.lstat(join(root, 'data', 'train'))).isDirectory());
  });

  it('a symlinked folder on the way is refused, even when it points inside; nothing is made through it', async () => {
    const outside = join(base, 'outside');
    await fsp.mkdir(outside);
    await fsp.symlink(outside, join(root, 'a'));
    for (const create of [false, true]) {
      await assert.rejects(folderInside(root, 'a/b/config.json', create), (e: unknown) => e instanceof PathError && /symbolic link/.test(e.message));
    }
    assert.deepEqual(await fsp.readdir(outside), []);
    await fsp.mkdir(join(root, 'inside'));
    await fsp.symlink(join(root, 'inside'), join(root, 'c'));
    await assert.rejects(folderInside(root, 'c/config.json', true), PathError);
    await fsp.symlink(join(base, 'nowhere'), join(root, 'dangling'));
    await assert.rejects(folderInside(root, 'dangling/x.bin', true), PathError);
    assert.ok(!(await fsp.stat(join(base, 'nowhere')).catch(() => undefined)), 'a dangling link was followed');
  });

  it('a file where a folder is needed is a NotAFolderError naming both, and the file is left alone', async () => {
    await fsp.writeFile(join(root, 'a'), 'my notes');
    for (const create of [false, true]) {
      await assert.rejects(folderInside(root, 'a/config.json', create), (e: unknown) => {
        assert.ok(e instanceof NotAFolderError);
        assert.equal(e.path, join(root, 'a'));
        assert.match(e.message, /"a\/config\.json".*is not a folder/);
        return true;
      });
    }
    assert.equal(await fsp.readFile(join(root, 'a'), 'utf8'), 'my notes');
  });

  it(`a path over ${MAX_PATH_BYTES} bytes in all is refused before anything is made`, async () => {
    let deep = root;
    for (let i = 0; i < 5; i++) deep = join(deep, 'r'.repeat(250));
    await fsp.mkdir(deep, { recursive: true });
    const relPath = `${`${'中'.repeat(80)}/`.repeat(12)}x.bin`; // 977 characters, 2897 bytes
    await assert.rejects(folderInside(deep, relPath, true), (e: unknown) => e instanceof PathError && /bytes; the limit is 4095/.test(e.message));
    assert.deepEqual(await fsp.readdir(deep), []);
  });
});
