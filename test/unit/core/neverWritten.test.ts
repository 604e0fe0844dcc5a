// A catalog cannot make a download write where code runs or secrets live: .git/hooks, .vscode,
// node_modules, .sta, a key's or a .env's name. Refused before anything is made.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusedLanding } from '../../../src/core/neverWritten';
import { Hasher } from '../../../src/core/storage/hasher';
import { PieceStore } from '../../../src/core/storage/pieceStore';
import { PathError } from '../../../src/core/storage/safePath';
import { makeTorrent } from './storage/fixture';

describe('refusedLanding', () => {
  it('refuses paths inside .git, .vscode, node_modules and .sta (any case, any depth) and secrets\' names', () => {
    for (const p of ['.git/hooks/pre-commit', 'sub/.GIT/config', '.vscode/tasks.json', 'a/node_modules/x/index.js', '.sta/x.part']) {
      assert.match(refusedLanding(p) ?? '', /never shares and never writes/, p);
    }
    for (const p of ['.env', 'app/.env.local', 'keys/server.pem', 'id_rsa', 'deploy/credentials.prod.json']) {
      assert.match(refusedLanding(p) ?? '', /key, credentials or a \.env/, p);
    }
  });

  it('lets ordinary paths through, including names that only look alike', () => {
    for (const p of ['data/train/x.bin', 'gitlog.txt', 'my.git.notes/readme.md', 'vscode/tasks.json', 'environment.md']) {
      assert.equal(refusedLanding(p), undefined, p);
    }
  });
});

describe('PieceStore: a catalog path STA never writes', () => {
  const hasher = new Hasher();
  after(() => hasher.close());

  it('refuses .git/hooks/pre-commit with a PathError and creates nothing in the download folder', async () => {
    const base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-never-')));
    const src = join(base, 'src');
    const dl = join(base, 'dl');
    await fsp.mkdir(src);
    await fsp.mkdir(dl);
    const t = await makeTorrent(src, 'pre-commit', 20_000);
    await assert.rejects(PieceStore.open({ dir: dl, meta: t.meta, relPath: '.git/hooks/pre-commit', hasher }), (e: unknown) => {
      assert.ok(e instanceof PathError);
      assert.match((e as Error).message, /inside \.git/);
      return true;
    });
    assert.deepEqual(await fsp.readdir(dl), []);
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('refuses a torrent named .git, .sta or .env that has no catalog path, creating nothing', async () => {
    const base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-never-')));
    const dl = join(base, 'dl');
    await fsp.mkdir(dl);
    for (const name of ['.git', '.sta', '.env']) {
      const src = join(base, `src-${name}`);
      await fsp.mkdir(src);
      const t = await makeTorrent(src, name, 20_000);
      await assert.rejects(PieceStore.open({ dir: dl, meta: t.meta, hasher }), PathError, name);
    }
    assert.deepEqual(await fsp.readdir(dl), []);
    await fsp.rm(base, { recursive: true, force: true });
  });
});
