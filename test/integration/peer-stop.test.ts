// Removing a torrent, or closing the engine, while its partial file is being rechecked: the check
// stops at once, no session starts afterwards, and the partial data stays for the next run.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import { createTorrent, Metainfo } from '../../src/core/metainfo';
import type { Sha1Result } from '../../src/core/storage/hasher';
import { makeTempDir, writeRandomFile } from '../helpers/files';
import { sleep } from '../helpers/wait';

const PIECES = 300;
const PL = 16 * 1024;

describe('stopping while a download is being rechecked', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let meta: Metainfo;
  let data: Buffer;

  before(async () => {
    tmp = await makeTempDir('sta-stop-');
    const file = join(tmp.dir, 'big.bin');
    await writeRandomFile(file, PIECES * PL);
    data = await fsp.readFile(file);
    meta = await createTorrent(file, { pieceLength: PL });
  });
  after(() => tmp?.cleanup());

  /** An engine whose hashing takes 10 ms a piece, and a folder with a partial file of `meta` but no resume data. */
  async function rechecking(name: string): Promise<{ engine: Engine; dir: string; part: string }> {
    const engine = new Engine({ host: '127.0.0.1', port: 0, trackers: [] });
    const sha1 = engine.hasher.sha1.bind(engine.hasher);
    engine.hasher.sha1 = async (buf: Buffer): Promise<Sha1Result> => (await sleep(10), sha1(buf));
    const dir = join(tmp.dir, name);
    await fsp.mkdir(join(dir, '.sta'), { recursive: true });
    const part = join(dir, '.sta', `${meta.infoHashHex}.part`);
    await fsp.writeFile(part, data);
    return { engine, dir, part };
  }

  it('Engine.remove during the recheck: download() rejects within 100 ms and no session is left running', async () => {
    const { engine, dir, part } = await rechecking('removed');
    try {
      const download = engine.download(meta, dir).then(() => 'opened', (e: Error) => e);
      await sleep(100);
      const removedAt = Date.now();
      await engine.remove(meta.infoHashHex);
      const outcome = await download;
      const ms = Date.now() - removedAt;
      assert.ok(outcome instanceof Error, `the download ${outcome} ${ms} ms after remove`);
      assert.equal(outcome.name, 'AbortError');
      assert.ok(ms < 100, `stopped ${ms} ms after remove`);
      await sleep(50);
      assert.equal(engine.sessions.size, 0, 'a session started after the torrent was removed');
      assert.equal((await fsp.stat(part)).size, data.length, 'the partial file stays for the next run');
    } finally {
      await engine.close();
    }
  });

  it('Engine.close during the recheck returns within 200 ms', async () => {
    const { engine, dir } = await rechecking('closed');
    const download = engine.download(meta, dir).then(() => 'opened', (e: Error) => e.name);
    await sleep(100);
    const closedAt = Date.now();
    await engine.close();
    const ms = Date.now() - closedAt;
    assert.equal(await download, 'AbortError');
    assert.ok(ms < 200, `close took ${ms} ms`);
    assert.equal(engine.sessions.size, 0);
  });
});
