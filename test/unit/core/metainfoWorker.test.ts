// createTorrentOf with a hasher: a folder of thousands of small files is read and hashed in the
// hasher's worker, a message per file instead of five file-system promises on the main thread;
// the torrents must be exactly those the streaming path makes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createTorrentOf, SMALL_FILE_BYTES } from '../../../src/core/metainfo';
import { Hasher } from '../../../src/core/storage/hasher';
import { makeTempDir } from '../../helpers/files';

describe('createTorrentOf with a hasher (a folder of small files)', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => (tmp = await makeTempDir('sta-meta-worker-')));
  afterEach(() => tmp.cleanup());

  it('small files hashed in the worker make the same torrents as the stream; a file past SMALL_FILE_BYTES is streamed', async () => {
    const hasher = new Hasher();
    try {
      for (const size of [1, 16384, 16385, 100_000, SMALL_FILE_BYTES, SMALL_FILE_BYTES + 1]) {
        const path = join(tmp.dir, `s${size}.bin`);
        await fsp.writeFile(path, randomBytes(size));
        const opts = { announce: 'http://127.0.0.1:7070/announce', private: size % 2 === 0 };
        const streamed = await createTorrentOf(path, opts);
        const inWorker = await createTorrentOf(path, { ...opts, hasher });
        assert.equal(inWorker.meta.infoHashHex, streamed.meta.infoHashHex, `size ${size}`);
        assert.deepEqual([inWorker.state, inWorker.stable], [streamed.state, true]);
        const explicit = await createTorrentOf(path, { ...opts, hasher, pieceLength: 65536 });
        assert.equal(explicit.meta.infoHashHex, (await createTorrentOf(path, { ...opts, pieceLength: 65536 })).meta.infoHashHex);
      }
      await fsp.writeFile(join(tmp.dir, 'empty'), '');
      await assert.rejects(createTorrentOf(join(tmp.dir, 'empty'), { hasher }), /is empty/);
      await assert.rejects(createTorrentOf(tmp.dir, { hasher }), /not a regular file/);
      await assert.rejects(createTorrentOf(join(tmp.dir, 'missing'), { hasher }), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    } finally {
      await hasher.close();
    }
  });
});
