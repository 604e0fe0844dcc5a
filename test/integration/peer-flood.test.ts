// Silent sockets against a real STA seeder: however many one address opens, an honest peer from
// another address connects and gets blocks at once; the engine's connections stay under its cap.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { Engine, EngineOptions } from '../../src/core/engine';
import { createTorrent, Metainfo } from '../../src/core/metainfo';
import type { TorrentSession } from '../../src/core/session/torrentSession';
import { makeTempDir, writeRandomFile } from '../helpers/files';
import { sleep } from '../helpers/wait';

/** Opens a socket from `localAddress` and says nothing; resolves once connected. */
function silent(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    s.on('error', () => undefined); // the victim may close it: that is the point
    s.once('connect', () => resolve(s));
    s.once('close', () => reject(new Error('closed before connecting')));
  });
}

const closed = (s: Socket) => s.destroyed || s.readableEnded;

describe('silent sockets cannot lock honest peers out', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let file: string;
  let meta: Metainfo;
  const engines: Engine[] = [];
  const sockets: Socket[] = [];

  before(async () => {
    tmp = await makeTempDir('sta-flood-');
    file = join(tmp.dir, 'payload.bin');
    await writeRandomFile(file, 4 * 1024 * 1024);
    meta = await createTorrent(file, { pieceLength: 64 * 1024 });
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  after(() => tmp?.cleanup());

  async function seeder(extra: EngineOptions = {}): Promise<Engine> {
    const e = new Engine({ host: '127.0.0.1', port: 0, trackers: [], ...extra });
    engines.push(e);
    await e.listen();
    await e.seed(file, { meta });
    return e;
  }

  /** A leecher dialling from `from`; resolves with the ms from its dial to its first verified block. */
  async function firstBlockMs(victim: Engine, from: string, name: string, deadlineMs: number): Promise<number> {
    const e = new Engine({ host: from, port: 0, trackers: [] });
    engines.push(e);
    await e.listen();
    const out = join(tmp.dir, name);
    await fsp.mkdir(out);
    const s: TorrentSession = await e.download(meta, out);
    const started = Date.now();
    s.addCandidates([{ ip: '127.0.0.1', port: victim.port }]);
    while (s.progress().downloaded === 0) {
      if (Date.now() - started > deadlineMs) assert.fail(`no block within ${deadlineMs} ms (peers: ${s.progress().peers})`);
      await sleep(10);
    }
    return Date.now() - started;
  }

  it('100 silent sockets from 127.0.0.1: a peer from 127.0.0.2 gets a block within 2 s; only the newest few silent ones stay', async () => {
    const victim = await seeder();
    for (let i = 0; i < 100; i++) sockets.push(await silent(victim.port));
    await sleep(100);
    const ms = await firstBlockMs(victim, '127.0.0.2', 'honest', 2000);
    const open = sockets.filter((s) => !closed(s)).length;
    assert.ok(open <= 8, `${open} silent sockets from one address still held`);
    assert.ok(sockets.slice(-open).every((s) => !closed(s)), 'the oldest silent sockets are the ones evicted');
    console.log(`      first block after ${ms} ms; ${open} of 100 silent sockets still open`);
  });

  it('a silent socket from each of 40 addresses: the engine holds no more than its connection cap, and an honest peer still gets in', async () => {
    const victim = await seeder({ maxConnections: 16 });
    for (let i = 0; i < 40; i++) sockets.push(await silent(victim.port, `127.0.1.${i + 1}`));
    await sleep(100);
    const open = () => sockets.filter((s) => !closed(s)).length;
    assert.ok(open() <= 16, `${open()} silent sockets held with a cap of 16`);
    await firstBlockMs(victim, '127.0.0.3', 'honest2', 2000);
    assert.ok(open() <= 15, `${open()} silent sockets held beside the honest peer with a cap of 16`);
  });
});
