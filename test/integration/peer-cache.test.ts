// The piece cache of every seeded file together stays within one engine-wide budget, and a file
// nobody reads any more holds none of it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import { createTorrent, Metainfo } from '../../src/core/metainfo';
import * as M from '../../src/core/wire/messages';
import { makeTempDir, writeRandomFile } from '../helpers/files';
import { sleep, waitFor } from '../helpers/wait';

const MiB = 1024 * 1024;

/** A leecher that asks `meta`'s seeder for the first block of each of the first `pieces` pieces; resolves once all arrived. */
async function readBlocks(port: number, meta: Metainfo, pieces: number): Promise<void> {
  const sock: Socket = connect({ host: '127.0.0.1', port });
  sock.on('error', () => undefined);
  let buf = Buffer.alloc(0);
  let handshake = false;
  let blocks = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${blocks} of ${pieces} blocks of ${meta.name} arrived`)), 5000);
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (!handshake && buf.length >= M.HANDSHAKE_LENGTH) {
          handshake = true;
          buf = buf.subarray(M.HANDSHAKE_LENGTH);
        }
        while (handshake && buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
          const len = buf.readUInt32BE(0);
          const id = len > 0 ? buf[4] : -1;
          buf = buf.subarray(4 + len);
          if (id === M.Msg.Unchoke) sock.write(Buffer.concat(Array.from({ length: pieces }, (_, i) => M.request(i, 0, M.BLOCK_SIZE))));
          if (id === M.Msg.Piece && ++blocks === pieces) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      sock.write(Buffer.concat([M.handshake(meta.infoHash, Buffer.concat([Buffer.from('-XX0001-'), randomBytes(12)])), M.INTERESTED]));
    });
  } finally {
    sock.destroy();
  }
}

describe('one piece-cache budget for the whole engine', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine | undefined;

  before(async () => {
    tmp = await makeTempDir('sta-cache-');
  });
  after(async () => {
    await engine?.close();
    await tmp?.cleanup();
  });

  it('12 seeded files read in turn: cached bytes never pass the budget, and drop to 0 once nobody reads', async () => {
    const budget = 2 * MiB;
    engine = new Engine({ host: '127.0.0.1', port: 0, trackers: [], pieceCacheBudget: budget, pieceCacheIdleMs: 500 });
    const port = await engine.listen();
    const metas: Metainfo[] = [];
    for (let i = 0; i < 12; i++) {
      const file = join(tmp.dir, `file${i}.bin`);
      await writeRandomFile(file, 2 * MiB);
      metas.push(await createTorrent(file, { pieceLength: 256 * 1024 }));
      await engine.seed(file, { meta: metas[i] });
    }
    let peak = 0;
    for (const meta of metas) {
      await readBlocks(port, meta, 4); // four 256 KiB stretches read into the cache
      peak = Math.max(peak, engine.cachedBytes);
      assert.ok(engine.cachedBytes <= budget, `${engine.cachedBytes} bytes cached with a budget of ${budget}`);
    }
    assert.ok(peak > 0, 'the cache was used at all');
    const idleFrom = Date.now();
    await waitFor('the idle cache to empty', () => engine!.cachedBytes === 0, 5000, 50);
    const idleMs = Date.now() - idleFrom;
    await sleep(50);
    console.log(`      peak ${peak} bytes cached of a ${budget}-byte budget; empty ${idleMs} ms after the last read`);
  });
});
