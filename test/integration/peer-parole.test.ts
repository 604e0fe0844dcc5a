// A liar that slips one bad block into pieces the only honest seeder finishes: real STA engines on
// loopback, the liar a raw socket from 127.0.0.2. The honest seeder must never be banned.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/log';
import { createTorrent, Metainfo } from '../../src/core/metainfo';
import * as M from '../../src/core/wire/messages';
import { makeTempDir, sha256File, writeRandomFile } from '../helpers/files';

/**
 * Claims every piece; of each batch of requests it answers the first with garbage, then chokes
 * (the victim gives the rest of those pieces to the honest seeder) and unchokes again.
 */
function liar(port: number, meta: Metainfo): { sock: Socket; poisoned: Set<number> } {
  const sock = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
  const poisoned = new Set<number>();
  sock.on('error', () => undefined);
  const all = Buffer.alloc(Math.ceil(meta.pieceCount / 8), 0xff);
  const spare = all.length * 8 - meta.pieceCount;
  all[all.length - 1] &= (0xff << spare) & 0xff;
  sock.write(Buffer.concat([M.handshake(meta.infoHash, Buffer.concat([Buffer.from('-XX0001-'), randomBytes(12)])), M.bitfield(all), M.UNCHOKE]));
  let buf = Buffer.alloc(0);
  let seenHandshake = false;
  let choked = false;
  sock.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    if (!seenHandshake) {
      if (buf.length < M.HANDSHAKE_LENGTH) return;
      buf = buf.subarray(M.HANDSHAKE_LENGTH);
      seenHandshake = true;
    }
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const len = buf.readUInt32BE(0);
      const id = len > 0 ? buf[4] : -1;
      const payload = buf.subarray(5, 4 + len);
      buf = buf.subarray(4 + len);
      if (id !== M.Msg.Request || choked) continue;
      const [index, begin, length] = [payload.readUInt32BE(0), payload.readUInt32BE(4), payload.readUInt32BE(8)];
      poisoned.add(index);
      choked = true;
      sock.write(Buffer.concat([M.pieceHeader(index, begin, length), randomBytes(length), M.CHOKE]));
      setTimeout(() => {
        choked = false;
        if (!sock.destroyed) sock.write(M.UNCHOKE);
      }, 30);
    }
  });
  return { sock, poisoned };
}

describe('parole: a liar cannot get the only honest seeder banned', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const engines: Engine[] = [];

  before(async () => {
    tmp = await makeTempDir('sta-parole-');
  });
  after(async () => {
    await Promise.all(engines.map((e) => e.close()));
    await tmp?.cleanup();
  });

  it('one garbage block in many pieces the seeder completes: the seeder is never banned and the file arrives intact', async () => {
    const file = join(tmp.dir, 'payload.bin');
    await writeRandomFile(file, 2 * 1024 * 1024);
    const meta = await createTorrent(file, { pieceLength: 64 * 1024 });
    const opts = { host: '127.0.0.1', port: 0, trackers: [] };
    const honest = new Engine({ ...opts, maxUploadRate: 1024 * 1024 });
    const shared: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void (/failed its SHA-1 check \(from [2-9] peers\)/.test(m) && shared.push(m)) };
    const victim = new Engine({ ...opts, logger });
    engines.push(honest, victim);
    await Promise.all([honest.listen(), victim.listen()]);
    await honest.seed(file, { meta });
    const out = join(tmp.dir, 'out');
    await fsp.mkdir(out);
    const s = await victim.download(meta, out);
    const banned: string[] = [];
    s.on('peerBanned', (address) => banned.push(address));
    const done = new Promise<string>((resolve, reject) => {
      s.on('done', resolve);
      s.on('state', (state, reason) => state === 'failed' && reject(new Error(reason)));
    });
    s.addCandidates([{ ip: '127.0.0.1', port: honest.port }]);
    const l = liar(victim.port, meta);
    const path = await Promise.race([done, new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`not done; banned ${banned}`)), 30_000))]);
    l.sock.destroy();
    assert.equal(await sha256File(path), await sha256File(file));
    assert.ok(shared.length >= 1, `no piece failed with several senders (${l.poisoned.size} poisoned)`);
    const seeder = `127.0.0.1:${honest.port}`;
    assert.ok(!banned.includes(seeder), `the honest seeder was banned (banned: ${banned})`);
    assert.ok(banned.every((a) => a.startsWith('127.0.0.2:')), `banned: ${banned}`);
    console.log(`      ${l.poisoned.size} pieces poisoned, ${shared.length} failed with several senders; banned: ${banned.join(', ') || 'nobody'}`);
  });
});
