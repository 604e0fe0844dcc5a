// Partial downloads never show in `git status`: `.sta/` carries a `.gitignore` of `*` (a user's is kept).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../../src/core/log';
import { Hasher } from '../../../../src/core/storage/hasher';
import { PartialFile } from '../../../../src/core/storage/partialFile';
import { makeTorrent, PL } from './fixture';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });

describe('.sta/.gitignore', () => {
  const hasher = new Hasher();
  let base: string;
  let repo: string;

  beforeEach(async () => {
    base = await fsp.mkdtemp(join(tmpdir(), 'sta-gitignore-'));
    repo = join(base, 'repo');
    await fsp.mkdir(repo);
    git(repo, 'init', '-q');
  });
  afterEach(() => fsp.rm(base, { recursive: true, force: true }));
  after(() => hasher.close());

  it('is written when .sta is made, and git status shows nothing of .sta', async () => {
    const t = await makeTorrent(base, 'report.bin', PL * 3 + 17);
    const partial = await PartialFile.open(repo, t.meta, hasher, silentLogger);
    try {
      assert.equal(await fsp.readFile(join(repo, '.sta', '.gitignore'), 'utf8'), '*\n');
      await fsp.stat(join(repo, '.sta', `${t.meta.infoHashHex}.part`));
      assert.equal(git(repo, 'status', '--porcelain', '--untracked-files=all'), '');
    } finally {
      await partial.saveAndStop();
      await partial.handle.close();
    }
    await partial.remove();
    await assert.rejects(fsp.stat(join(repo, '.sta')), /ENOENT/, 'an emptied .sta goes, with our .gitignore');
  });

  it('keeps a .gitignore the user wrote in .sta, and that .sta', async () => {
    await fsp.mkdir(join(repo, '.sta'));
    await fsp.writeFile(join(repo, '.sta', '.gitignore'), '*.part\n');
    const t = await makeTorrent(base, 'data.bin', PL + 1);
    const partial = await PartialFile.open(repo, t.meta, hasher, silentLogger);
    await partial.saveAndStop();
    await partial.handle.close();
    assert.equal(await fsp.readFile(join(repo, '.sta', '.gitignore'), 'utf8'), '*.part\n');
    await partial.remove();
    assert.deepEqual(await fsp.readdir(join(repo, '.sta')), ['.gitignore']);
  });
});
