import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSafeName, PathError, resolveInside, withSuffix } from '../../../../src/core/storage/safePath';

describe('safePath', () => {
  let base: string;
  let root: string;
  beforeEach(async () => {
    base = await fsp.mkdtemp(join(tmpdir(), 'sta-safepath-'));
    root = join(base, 'downloads');
    await fsp.mkdir(root);
  });
  afterEach(() => fsp.rm(base, { recursive: true, force: true }));

  const hostile: [string, RegExp][] = [
    ['', /empty/],
    ['.', /directory/],
    ['..', /directory/],
    ['../escape.txt', /separator/],
    ['a/b', /separator/],
    ['..\\..\\escape.txt', /separator/],
    ['a\\b', /separator/],
    ['/etc/passwd', /separator/],
    ['C:evil.exe', /drive/],
    ['c:', /drive/],
    ['a\0b', /NUL/],
    ['line\nbreak', /control/],
    ['tab\there', /control/],
    ['del\x7f', /control/],
    ['x'.repeat(256), /256 bytes/],
    ['é'.repeat(128), /256 bytes/], // 128 characters, 256 UTF-8 bytes
  ];
  for (const [name, why] of hostile) {
    it(`rejects ${JSON.stringify(name.length > 20 ? name.slice(0, 20) + '…' : name)} and writes nothing`, async () => {
      await assert.rejects(resolveInside(root, name), (e: unknown) => {
        assert.ok(e instanceof PathError);
        assert.match(e.message, why);
        assert.ok(e.message.includes(JSON.stringify(name)), `message names the bad name: ${e.message}`);
        return true;
      });
      assert.deepEqual(await fsp.readdir(root), []);
      assert.deepEqual(await fsp.readdir(base), ['downloads']);
    });
  }

  it('accepts plain names, including Windows-reserved ones and 255-byte names', async () => {
    for (const name of ['file.txt', 'CON', 'nul.txt', ' spaced name.bin', '.hidden', '..dots', 'é'.repeat(127), 'x'.repeat(255)]) {
      assert.equal(await resolveInside(root, name), join(await fsp.realpath(root), name));
    }
  });

  it('resolves the root through symlinks and returns a path inside its real path', async () => {
    const link = join(base, 'link-to-downloads');
    await fsp.symlink(root, link);
    assert.equal(await resolveInside(link, 'a.bin'), join(await fsp.realpath(root), 'a.bin'));
  });

  it('rejects a target that is a symlink (to outside the folder or anywhere else)', async () => {
    const outside = join(base, 'secret.txt');
    await fsp.writeFile(outside, 'secret');
    await fsp.symlink(outside, join(root, 'innocent.txt'));
    await assert.rejects(resolveInside(root, 'innocent.txt'), (e: unknown) => e instanceof PathError && /symbolic link/.test(e.message));
    await fsp.symlink(join(base, 'missing'), join(root, 'dangling.txt'));
    await assert.rejects(resolveInside(root, 'dangling.txt'), PathError);
    assert.equal(await fsp.readFile(outside, 'utf8'), 'secret');
  });

  it('lets an existing regular file or a missing one through (the store decides what to do)', async () => {
    await fsp.writeFile(join(root, 'there.txt'), 'x');
    assert.ok((await resolveInside(root, 'there.txt')).endsWith('there.txt'));
    assert.ok((await resolveInside(root, 'not-there.txt')).endsWith('not-there.txt'));
  });

  it('propagates a missing root as an fs error', async () => {
    await assert.rejects(resolveInside(join(base, 'nope'), 'a'), { code: 'ENOENT' });
  });

  it('assertSafeName validates without touching the disk', () => {
    assert.doesNotThrow(() => assertSafeName('ok.iso'));
    assert.throws(() => assertSafeName('../x'), PathError);
  });

  it('withSuffix puts the number before the extension', () => {
    assert.equal(withSuffix('movie.mkv', 1), 'movie (1).mkv');
    assert.equal(withSuffix('archive.tar.gz', 2), 'archive.tar (2).gz');
    assert.equal(withSuffix('README', 3), 'README (3)');
    assert.equal(withSuffix('.bashrc', 1), '.bashrc (1)');
  });
});
