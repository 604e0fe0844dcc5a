// The piece cache of every seeded file together stays within one engine-wide budget, and a file
// nobody reads any more holds none of it. Its buffers are used again, but never under a block still
// waiting to be sent, even to a peer that stops reading.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import { createTorrent, Metainfo } from '../../src/core/metainfo';
import * as M from '../../src/core/wire/messages';
import { makeTempDir, writeRandomFile } from '../helpers/files';
import { sleep, waitFor } from '../helpers/wait';

const MiB = 1024 * 1024;

/** A leecher that asks `meta`'s seeder for the first block of each of the first `pieces` pieces; resolves once all arrived. */
async function readBlocks(port: number, meta: Metainfo, pieces: number): Promise<void> {
  const peer = new RawPeer(port, meta);
  try {
    await peer.unchoked;
    peer.ask(Array.from({ length: pieces }, (_, i) => ({ index: i, begin: 0, length: M.BLOCK_SIZE })));
    await waitFor(`${pieces} blocks of ${meta.name}`, () => peer.blocks.size === pieces, 5000, 10);
  } finally {
    peer.close();
  }
}

/** A raw peer: asks for blocks, keeps a copy of each that arrives, and can stop reading its socket. */
class RawPeer {
  /** block bytes by "index:begin" */
  readonly blocks = new Map<string, Buffer>();
  readonly unchoked: Promise<void>;
  private readonly sock: Socket;
  private buf = Buffer.alloc(0);
  private handshaken = false;

  constructor(port: number, meta: Metainfo) {
    this.sock = connect({ host: '127.0.0.1', port });
    this.sock.on('error', () => undefined);
    this.unchoked = new Promise((resolve) => this.sock.on('data', (c: Buffer) => this.onData(c, resolve)));
    this.sock.write(Buffer.concat([M.handshake(meta.infoHash, Buffer.concat([Buffer.from('-XX0001-'), randomBytes(12)])), M.INTERESTED]));
  }

  private onData(c: Buffer, unchoked: () => void): void {
    this.buf = Buffer.concat([this.buf, c]);
    if (!this.handshaken && this.buf.length >= M.HANDSHAKE_LENGTH) {
      this.handshaken = true;
      this.buf = this.buf.subarray(M.HANDSHAKE_LENGTH);
    }
    while (this.handshaken && this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readUInt32BE(0)) {
      const len = this.buf.readUInt32BE(0);
      const id = len > 0 ? this.buf[4] : -1;
      if (id === M.Msg.Unchoke) unchoked();
      if (id === M.Msg.Piece) this.blocks.set(`${this.buf.readUInt32BE(5)}:${this.buf.readUInt32BE(9)}`, Buffer.from(this.buf.subarray(13, 4 + len)));
      this.buf = this.buf.subarray(4 + len);
    }
  }

  ask(reqs: { index: number; begin: number; length: number }[]): void {
    this.sock.write(Buffer.concat(reqs.map((r) => M.request(r.index, r.begin, r.length))));
  }

  /** Asks for every block of the file; how many. */
  askAll(meta: Metainfo): number {
    const reqs = [];
    for (let at = 0; at < meta.length; at += M.BLOCK_SIZE) {
      const index = Math.floor(at / meta.pieceLength);
      reqs.push({ index, begin: at - index * meta.pieceLength, length: Math.min(M.BLOCK_SIZE, meta.length - at) });
    }
    this.ask(reqs);
    return reqs.length;
  }

  /** Blocks that differ from the file's bytes (all of them checked). */
  wrongBlocks(meta: Metainfo, file: Buffer): string[] {
    return [...this.blocks].filter(([key, data]) => {
      const [index, begin] = key.split(':').map(Number);
      const at = index * meta.pieceLength + begin;
      return !data.equals(file.subarray(at, at + data.length));
    }).map(([key]) => key);
  }

  pause(): void {
    this.sock.pause();
  }

  resume(): void {
    this.sock.resume();
  }

  close(): void {
    this.sock.destroy();
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

  it('a peer that stops reading keeps the buffers of its unsent blocks: others are served meanwhile, and it gets the right bytes later', async () => {
    await engine?.close();
    engine = new Engine({ host: '127.0.0.1', port: 0, trackers: [], pieceCacheBudget: 512 * 1024 });
    const port = await engine.listen();
    const file = join(tmp.dir, 'stall.bin');
    await writeRandomFile(file, 24 * MiB); // more than loopback's socket buffers hold: blocks wait in ours
    const meta = await createTorrent(file, { pieceLength: 256 * 1024 });
    await engine.seed(file, { meta });
    const bytes = await readFile(file);
    const stalled = new RawPeer(port, meta);
    const honest = new RawPeer(port, meta);
    try {
      await stalled.unchoked;
      stalled.pause();
      const count = stalled.askAll(meta);
      await sleep(500); // its blocks fill the socket and queue behind it, in cache buffers
      await honest.unchoked;
      honest.askAll(meta);
      await waitFor('every block for the reading peer', () => honest.blocks.size === count, 20_000, 20);
      assert.deepEqual(honest.wrongBlocks(meta, bytes), []);
      assert.equal(stalled.blocks.size, 0, 'the stalled peer read nothing meanwhile');
      stalled.resume();
      await waitFor('every block for the peer that stalled', () => stalled.blocks.size === count, 20_000, 20);
      assert.deepEqual(stalled.wrongBlocks(meta, bytes), [], 'no buffer was read into again under a block waiting to be sent');
    } finally {
      stalled.close();
      honest.close();
    }
  });
});
