import assert from 'node:assert/strict';
import { constants as C, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../../src/core/log';
import type { Metainfo } from '../../../../src/core/metainfo';
import { Hasher } from '../../../../src/core/storage/hasher';
import { ExistingFileError, findPlace, placeFinal, type Place } from '../../../../src/core/storage/placement';
import { PathError } from '../../../../src/core/storage/safePath';
import { makeTorrent, PL, type TorrentFixture } from './fixture';

const LENGTH = PL * 3 + 100;

describe('placement', () => {
  const hasher = new Hasher();
  let base: string;
  let dir: string; // the download folder, a real path
  let t: TorrentFixture;
  const opened: Place[] = [];
  const find = async (opts: { meta?: Metainfo; onExisting?: 'refuse' | 'suffix' } = {}) => {
    const place = await findPlace(dir, opts.meta ?? t.meta, { onExisting: opts.onExisting, hasher, log: silentLogger });
    opened.push(place);
    return place;
  };

  before(async () => {
    base = await fsp.realpath(await fsp.mkdtemp(join(tmpdir(), 'sta-place-')));
    t = await makeTorrent(base, 'video.bin', LENGTH);
  });
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(base, 'dl-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.existing?.handle.close()));
    await fsp.rm(dir, { recursive: true, force: true });
  });
  after(async () => {
    await hasher.close();
    await fsp.rm(base, { recursive: true, force: true });
  });

  describe('findPlace', () => {
    it('a free name is the target, and nothing is written', async () => {
      const place = await find();
      assert.deepEqual(place, { target: join(dir, 'video.bin') });
      assert.deepEqual(await fsp.readdir(dir), []);
    });

    it('an identical file already there is recognised, opened read-only, and left as it is', async () => {
      await fsp.writeFile(join(dir, 'video.bin'), t.data);
      const before = await fsp.stat(join(dir, 'video.bin'));
      const place = await find();
      assert.equal(place.target, join(dir, 'video.bin'));
      assert.ok(place.existing?.have.complete);
      const head = Buffer.alloc(100);
      await place.existing.handle.read(head, 0, 100, PL);
      assert.deepEqual(head, t.data.subarray(PL, PL + 100));
      await assert.rejects(place.existing.handle.write(Buffer.from('x'), 0, 1, 0), /EBADF/);
      assert.equal((await fsp.stat(join(dir, 'video.bin'))).mtimeMs, before.mtimeMs);
    });

    it("'refuse' (the default) throws ExistingFileError for a different file of the same size or another size", async () => {
      const sameSize = Buffer.from(t.data);
      sameSize[LENGTH - 1] ^= 1;
      for (const content of [sameSize, Buffer.from('something else')]) {
        await fsp.writeFile(join(dir, 'video.bin'), content);
        await assert.rejects(find(), (e: unknown) => e instanceof ExistingFileError && e.path === join(dir, 'video.bin'));
        assert.deepEqual(await fsp.readFile(join(dir, 'video.bin')), content);
        assert.deepEqual(await fsp.readdir(dir), ['video.bin']);
      }
    });

    it("'suffix' takes the first name (n) that is free or already holds the file", async () => {
      await fsp.writeFile(join(dir, 'video.bin'), 'not the video');
      assert.deepEqual(await find({ onExisting: 'suffix' }), { target: join(dir, 'video (1).bin') });
      await fsp.writeFile(join(dir, 'video (1).bin'), t.data);
      const place = await find({ onExisting: 'suffix' });
      assert.equal(place.target, join(dir, 'video (1).bin'));
      assert.ok(place.existing?.have.complete);
    });

    it("'suffix' skips a symlink planted at \"name (n).ext\"; a symlink at the name itself is refused in both modes", async () => {
      const outside = join(base, 'outside.bin');
      await fsp.writeFile(outside, t.data);
      await fsp.writeFile(join(dir, 'video.bin'), 'mine');
      await fsp.symlink(outside, join(dir, 'video (1).bin'));
      assert.deepEqual(await find({ onExisting: 'suffix' }), { target: join(dir, 'video (2).bin') });
      await fsp.rm(join(dir, 'video.bin'));
      await fsp.symlink(outside, join(dir, 'video.bin'));
      for (const onExisting of ['refuse', 'suffix'] as const) await assert.rejects(find({ onExisting }), PathError);
    });

    it('odd names: dot-files, no extension, two extensions, non-ASCII; hostile names throw PathError', async () => {
      const cases = [['.bashrc', '.bashrc (1)'], ['README', 'README (1)'], ['a.tar.gz', 'a.tar (1).gz'], ['ファイル.bin', 'ファイル (1).bin']];
      for (const [name, beside] of cases) {
        await fsp.writeFile(join(dir, name), 'other');
        assert.deepEqual(await find({ meta: { ...t.meta, name }, onExisting: 'suffix' }), { target: join(dir, beside) });
      }
      for (const name of ['../escape.bin', '/etc/passwd', '..', 'a\\b', 'nul\0']) {
        await assert.rejects(find({ meta: { ...t.meta, name }, onExisting: 'suffix' }), PathError);
      }
    });

    it("a 255-byte name has no room for \" (n)\": 'suffix' then gives up with ExistingFileError on the name", async () => {
      const name = 'x'.repeat(251) + '.bin';
      await fsp.writeFile(join(dir, name), 'other');
      const isOnName = (e: unknown) => e instanceof ExistingFileError && e.path === join(dir, name);
      await assert.rejects(find({ meta: { ...t.meta, name }, onExisting: 'suffix' }), isOnName);
    });
  });

  describe('placeFinal', () => {
    let part: string;
    beforeEach(async () => {
      part = join(dir, 'download.part');
      await fsp.writeFile(part, t.data);
    });

    it('moves the file to the name: same bytes, the source gone', async () => {
      assert.equal(await placeFinal(part, dir, 'video.bin', join(dir, 'video.bin')), join(dir, 'video.bin'));
      assert.deepEqual(await fsp.readFile(join(dir, 'video.bin')), t.data);
      assert.deepEqual(await fsp.readdir(dir), ['video.bin']);
    });

    it('never replaces a file or follows a symlink that took the name meanwhile', async () => {
      const outside = join(base, 'elsewhere.bin');
      await fsp.writeFile(join(dir, 'video.bin'), 'mine');
      await fsp.writeFile(outside, 'theirs');
      await fsp.symlink(outside, join(dir, 'video (1).bin'));
      assert.equal(await placeFinal(part, dir, 'video.bin', join(dir, 'video.bin')), join(dir, 'video (2).bin'));
      assert.equal(await fsp.readFile(join(dir, 'video.bin'), 'utf8'), 'mine');
      assert.equal(await fsp.readFile(outside, 'utf8'), 'theirs');
      assert.deepEqual(await fsp.readFile(join(dir, 'video (2).bin')), t.data);

      await fsp.writeFile(part, t.data);
      await fsp.rm(join(dir, 'video.bin'));
      await fsp.symlink(outside, join(dir, 'video.bin'));
      assert.equal(await placeFinal(part, dir, 'video.bin', join(dir, 'video.bin')), join(dir, 'video (3).bin'), 'a symlink at the name is taken');
      assert.equal(await fsp.readFile(outside, 'utf8'), 'theirs');
    });

    it('throws ExistingFileError naming the planned target when no name is free, leaving the source', async () => {
      const name = 'y'.repeat(255);
      await fsp.writeFile(join(dir, name), 'mine');
      await assert.rejects(placeFinal(part, dir, name, join(dir, name)), (e: unknown) => e instanceof ExistingFileError && e.path === join(dir, name));
      assert.deepEqual(await fsp.readFile(part), t.data);
      assert.equal(await fsp.readFile(join(dir, name), 'utf8'), 'mine');
    });

    describe('on a file system without hard links (FAT, exFAT, some network shares)', () => {
      const real = { link: fsp.link, rename: fsp.rename, open: fsp.open };
      afterEach(() => Object.assign(fsp, real));
      const failLink = (code: string) => {
        fsp.link = async () => {
          throw Object.assign(new Error(`${code}: link not supported`), { code });
        };
      };

      for (const code of ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']) {
        it(`link failing with ${code}: the file is moved to its name all the same`, async () => {
          failLink(code);
          assert.equal(await placeFinal(part, dir, 'video.bin', join(dir, 'video.bin')), join(dir, 'video.bin'));
          assert.deepEqual(await fsp.readFile(join(dir, 'video.bin')), t.data);
          assert.deepEqual(await fsp.readdir(dir), ['video.bin']);
        });
      }

      it('another program creating the name (exclusively) just before the move keeps its file; ours goes beside it', async () => {
        failLink('EPERM');
        let created = 0;
        // a racing writer: whenever a name looks free to it right before our move, it takes it
        fsp.rename = async (from, to) => {
          await fsp.writeFile(to, 'theirs', { flag: 'wx' }).then(() => created++, () => undefined);
          return real.rename(from, to);
        };
        const final = await placeFinal(part, dir, 'video.bin', join(dir, 'video.bin'));
        fsp.rename = real.rename;
        if (created > 0) assert.equal(await fsp.readFile(join(dir, 'video.bin'), 'utf8'), 'theirs', 'their file was replaced');
        assert.deepEqual(await fsp.readFile(final), t.data);
        assert.ok(!(await fsp.readdir(dir)).includes('download.part'));
      });

      it('a file saved (without O_EXCL) into our reservation before the move is left alone; ours goes to the next name', async () => {
        failLink('ENOTSUP');
        // a careless writer saves its file under the name right after we reserved it (once)
        let saved = false;
        fsp.open = (async (path: string, flags: string | number, mode?: number) => {
          const handle = await real.open(path, flags, mode);
          if (flags === 'wx' && !saved) await fsp.writeFile(path, 'saved meanwhile').then(() => (saved = true));
          return handle;
        }) as typeof fsp.open;
        const final = await placeFinal(part, dir, 'video.bin', join(dir, 'video.bin'));
        fsp.open = real.open;
        assert.equal(await fsp.readFile(join(dir, 'video.bin'), 'utf8'), 'saved meanwhile');
        assert.equal(final, join(dir, 'video (1).bin'));
        assert.deepEqual(await fsp.readFile(final), t.data);
      });

      it('never leaves an empty reservation behind when the move fails', async () => {
        failLink('EPERM');
        fsp.rename = async () => {
          throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
        };
        await assert.rejects(placeFinal(part, dir, 'video.bin', join(dir, 'video.bin')), /EIO/);
        fsp.rename = real.rename;
        assert.deepEqual(await fsp.readdir(dir), ['download.part']);
        assert.equal((await fsp.stat(part)).mode & C.S_IFREG, C.S_IFREG);
      });
    });
  });
});
