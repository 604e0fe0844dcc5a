// metadata: BEP 10 / BEP 9 in-process. Mutated extended handshakes into parseExtendedHandshake and
// mutated ut_metadata messages into parseUtMetadata (only ProtocolError; what they return is
// sane); MetadataAssembly driven by hostile peers (wrong pieces, lengths, bytes, rejects, leavers:
// never throws, holds exactly `size` bytes, verifies only the true dict); and, one input in
// FETCH_EVERY, fetchMetadata against loopback fake peers that lie (sizes, bytes, lengths, headers,
// silence, hash-correct but hostile dicts): it settles within its timeout + 3 s, with the asked
// info-hash or a MetadataError/MetainfoError, and nothing unhandled.
import { createHash } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import type * as ExtModule from '../../../src/core/wire/extensionProtocol';
import type * as UtModule from '../../../src/core/wire/utMetadata';
import type * as FrameModule from '../../../src/core/wire/frameParser';
import type * as AssemblyModule from '../../../src/core/magnet/metadataAssembly';
import type * as FetcherModule from '../../../src/core/magnet/metadataFetcher';
import { Ctx, note, pool, Target } from '../core';
import { HOST } from '../live';
import { bencode, bencodeGarbage, mutateBencode, mutateBytes, toNode } from '../mutate';
import { Rng } from '../rng';
import { frame, handshake, PSTR } from '../wireproto';
import { SRC } from '../inproc';

const PIECE = 16 * 1024;
const FETCH_EVERY = 10;
let m: { ext: typeof ExtModule; ut: typeof UtModule; frame: typeof FrameModule; asm: typeof AssemblyModule; fetcher: typeof FetcherModule };

/** A valid info dict of `pieces` pieces (20 bytes of hash each), single-file or a folder; `hostile` puts `..` in a path. */
function infoDict(rng: Rng, pieces: number, hostile: boolean): Buffer {
  const info: Record<string, unknown> = { name: `meta-${rng.int(1000)}`, 'piece length': 16384, pieces: rng.bytes(pieces * 20) };
  const length = (pieces - 1) * 16384 + rng.range(1, 16384);
  if (hostile || rng.chance(0.3)) info.files = [{ length: length - 1, path: ['a', hostile ? '..' : 'b'] }, { length: 1, path: ['c'] }];
  else info.length = length;
  return bencode(toNode(info));
}

function parsers(ctx: Ctx, rng: Rng, i: number): void {
  const { ProtocolError } = m.frame;
  const seedHs = bencode(toNode({ m: { ut_metadata: rng.range(0, 300), ut_pex: 1, x: 'y' }, metadata_size: rng.pick([0, 1, 40000, 2 ** 53, -1]), v: 'x'.repeat(rng.pick([1, 64, 300])), reqq: rng.pick([0, 1, 2000, -3]) }));
  const hs = rng.chance(0.85) ? mutateBencode(seedHs, rng) : rng.chance(0.5) ? mutateBytes(seedHs, rng) : bencodeGarbage(rng);
  try {
    const into = rng.chance(0.3) ? m.ext.parseExtendedHandshake(seedHs) : undefined;
    const e = m.ext.parseExtendedHandshake(hs, into);
    const bad: string[] = [];
    for (const [k, id] of e.ids) if (typeof k !== 'string' || !Number.isInteger(id) || id < 1 || id > 255) bad.push(`id ${k}=${id}`);
    if (e.client !== undefined && (typeof e.client !== 'string' || e.client.length > 64)) bad.push('client');
    if (e.reqq !== undefined && !(Number.isSafeInteger(e.reqq) && e.reqq > 0)) bad.push(`reqq ${e.reqq}`);
    if (e.metadataSize !== undefined && !(Number.isSafeInteger(e.metadataSize) || Number.isNaN(e.metadataSize))) bad.push(`metadata_size ${e.metadataSize}`);
    if (bad.length) ctx.report({ kind: 'exception', message: `parseExtendedHandshake returned ${bad.join(', ')}`, from: i, count: 1, index: i, input: hs });
    note(ctx, 'handshakes parsed');
  } catch (e) {
    if (!(e instanceof ProtocolError)) ctx.report({ kind: 'exception', message: `parseExtendedHandshake threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, from: i, count: 1, index: i, detail: (e as Error)?.stack, input: hs });
  }
  const head = bencode(toNode({ msg_type: rng.int(3), piece: rng.int(5), total_size: rng.range(1, 50000) }));
  const seedMsg = rng.chance(0.5) ? Buffer.concat([head, rng.bytes(rng.pick([0, 1, 100, PIECE]))]) : head;
  const msg = rng.chance(0.6) ? mutateBencode(seedMsg, rng) : mutateBytes(seedMsg, rng);
  try {
    const r = m.ut.parseUtMetadata(msg);
    if (![0, 1, 2].includes(r.type) || !Number.isSafeInteger(r.piece) || r.piece < 0 || (r.type === 1) !== (r.data !== undefined) || (r.type === 1 && !Number.isSafeInteger(r.totalSize))) {
      ctx.report({ kind: 'exception', message: `parseUtMetadata returned ${JSON.stringify({ ...r, data: r.data?.length })}`, from: i, count: 1, index: i, input: msg });
    }
    note(ctx, 'ut_metadata parsed');
  } catch (e) {
    if (!(e instanceof ProtocolError)) ctx.report({ kind: 'exception', message: `parseUtMetadata threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, from: i, count: 1, index: i, detail: (e as Error)?.stack, input: msg });
  }
}

function assembly(ctx: Ctx, rng: Rng, i: number): void {
  const dict = infoDict(rng, rng.pick([1, 2, 400, 820, 1700]), false);
  const hash = createHash('sha1').update(dict).digest();
  const a = new m.asm.MetadataAssembly(dict.length, rng.chance(0.2) ? 'A' : undefined);
  const peers = ['A', 'B', 'C'];
  const liars = new Set(peers.filter(() => rng.chance(0.3)));
  let lied = false;
  try {
    for (let step = 0; step < 60 && !a.complete; step++) {
      const peer = rng.pick(peers);
      const now = step * 1000;
      const r = rng.weighted([40, 25, 10, 8, 7, 5, 5]);
      if (r === 0 || r === 1) {
        const piece = r === 0 ? a.next(peer, now) : rng.pick([0, a.pieceCount - 1, a.pieceCount, -1, 2 ** 31]);
        if (piece === undefined) continue;
        let data = dict.subarray(piece * PIECE, (piece + 1) * PIECE);
        if (liars.has(peer) && data.length) data = mutateBytes(Buffer.from(data), rng, [], 2);
        const err = a.received(peer, piece, data);
        if (!err && !data.equals(dict.subarray(piece * PIECE, (piece + 1) * PIECE))) lied = true;
      } else if (r === 2) a.rejected(peer, rng.int(a.pieceCount + 1));
      else if (r === 3) a.release(peer);
      else if (r === 4) a.overdue(now - rng.int(5000));
      else if (r === 5) a.inFlight(peer);
      else a.accepts(peer, rng.pick([dict.length, dict.length + 1, 0]));
    }
    if (a.complete) {
      const v = a.verify(hash);
      if (v.ok !== !lied || (v.ok && !v.dict.equals(dict))) {
        ctx.report({ kind: 'wrong-bytes', message: `MetadataAssembly verified ${v.ok ? 'a dict with lied bytes' : 'an honest dict as bad'}`, from: i, count: 1, index: i });
      }
      note(ctx, v.ok ? 'assemblies verified' : 'assemblies caught a liar');
    }
  } catch (e) {
    ctx.report({ kind: 'exception', message: `MetadataAssembly threw ${(e as Error)?.message}`, from: i, count: 1, index: i, detail: (e as Error)?.stack });
  }
}

/** A fake peer that serves `dict` under one of several lying behaviours. */
function fakePeer(rng: Rng, infoHash: Buffer, dict: Buffer): Promise<Server> {
  const kind = rng.weighted([30, 10, 10, 10, 10, 8, 8, 7, 7]);
  const server = createServer((sock: Socket) => {
    sock.on('error', () => {});
    let buf: Buffer = Buffer.alloc(0);
    let shook = false;
    let theirId = 3;
    const reserved = Buffer.alloc(8);
    reserved[5] = 0x10;
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (!shook) {
        if (buf.length < 68) return;
        shook = true;
        if (!buf.subarray(0, 20).equals(PSTR)) return void sock.destroy();
        buf = buf.subarray(68);
        const size = kind === 1 ? rng.pick([0, -1, dict.length + 1, 2 ** 40, 9 * 1024 * 1024]) : dict.length;
        const hs = kind === 2 ? mutateBencode(bencode(toNode({ m: { ut_metadata: 5 }, metadata_size: size })), rng) : bencode(toNode({ m: { ut_metadata: 5 }, metadata_size: size }));
        sock.write(Buffer.concat([handshake(infoHash, Buffer.from('-FZFAKE-' + rng.bytes(6).toString('hex')), reserved), frame(20, Buffer.concat([Buffer.from([0]), hs]))]));
      }
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        const f = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (f[0] !== 20) continue;
        if (f[1] === 0) {
          const id = /ut_metadatai(\d+)e/.exec(f.toString('latin1'));
          if (id) theirId = Number(id[1]);
          continue;
        }
        const piece = Number(/5:piecei(\d+)e/.exec(f.toString('latin1'))?.[1] ?? 0);
        const data = dict.subarray(piece * PIECE, (piece + 1) * PIECE);
        const head = (p: number, total = dict.length) => bencode(toNode({ msg_type: 1, piece: p, total_size: total }));
        const ext = (body: Buffer) => frame(20, Buffer.concat([Buffer.from([theirId]), body]));
        switch (kind) {
          case 3: // wrong bytes
            sock.write(ext(Buffer.concat([head(piece), mutateBytes(Buffer.from(data), rng, [], 1)])));
            break;
          case 4: // wrong length, or another piece
            sock.write(ext(Buffer.concat([head(rng.chance(0.5) ? piece + 1 : piece), data.subarray(0, rng.int(data.length + 1)), rng.bytes(rng.int(3))])));
            break;
          case 5:
            sock.write(ext(bencode(toNode({ msg_type: 2, piece }))));
            break;
          case 6: // silence, or a close
            if (rng.chance(0.5)) sock.destroy();
            break;
          case 7: // a mutated header, or a lying total_size
            sock.write(ext(Buffer.concat([rng.chance(0.5) ? mutateBencode(head(piece), rng) : head(piece, dict.length + 1), data])));
            break;
          case 8: // garbage frames and unsolicited data
            sock.write(Buffer.concat([frame(rng.int(25), rng.bytes(rng.small(40))), ext(Buffer.concat([head(rng.int(5)), rng.bytes(rng.int(PIECE))]))]));
            break;
          default:
            sock.write(ext(Buffer.concat([head(piece), data])));
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(0, HOST, () => resolve(server)));
}

async function fetchCase(ctx: Ctx, rng: Rng, i: number): Promise<void> {
  const hostile = rng.chance(0.15);
  const dict = infoDict(rng, rng.pick([1, 3, 900, 1700]), hostile);
  const infoHash = createHash('sha1').update(dict).digest();
  const servers = await Promise.all(Array.from({ length: rng.range(1, 4) }, () => fakePeer(rng, infoHash, dict)));
  const timeoutMs = 1500;
  const t0 = Date.now();
  try {
    const peers = servers.map((s) => ({ ip: HOST, port: (s.address() as AddressInfo).port }));
    const settled = await Promise.race([
      m.fetcher.fetchMetadata({ infoHash, trackers: [], peers, host: HOST, timeoutMs }).then(
        (r) => ({ r }),
        (e) => ({ e }),
      ),
      new Promise<'late'>((r) => setTimeout(() => r('late'), timeoutMs + 3000)),
    ]);
    if (settled === 'late') return ctx.report({ kind: 'hang', message: `fetchMetadata did not settle within ${timeoutMs + 3000} ms`, from: i, count: 1, index: i });
    if ('r' in settled) {
      if (!settled.r.meta.infoHash.equals(infoHash)) ctx.report({ kind: 'wrong-bytes', message: 'fetchMetadata returned a torrent of another info-hash', from: i, count: 1, index: i });
      if (hostile) ctx.report({ kind: 'exception', message: 'fetchMetadata accepted an info dict with a ".." path', from: i, count: 1, index: i });
      note(ctx, 'fetches ok');
    } else {
      const e = settled.e as Error;
      if (!(e instanceof m.fetcher.MetadataError) && e?.constructor?.name !== 'MetainfoError') {
        ctx.report({ kind: 'exception', message: `fetchMetadata rejected with ${e?.constructor?.name}: ${e?.message}`, from: i, count: 1, index: i, detail: e?.stack });
      }
      note(ctx, 'fetches refused');
    }
    note(ctx, 'fetch ms', Date.now() - t0);
  } finally {
    for (const s of servers) s.close();
  }
}

export const metadataTarget: Target = {
  name: 'metadata',
  setup: async () => {
    m = {
      ext: require(join(SRC, 'core/wire/extensionProtocol')),
      ut: require(join(SRC, 'core/wire/utMetadata')),
      frame: require(join(SRC, 'core/wire/frameParser')),
      asm: require(join(SRC, 'core/magnet/metadataAssembly')),
      fetcher: require(join(SRC, 'core/magnet/metadataFetcher')),
    };
  },
  runBatch: (ctx: Ctx, from, to) =>
    pool(ctx, from, to, 4, async (i) => {
      const rng = new Rng(ctx.seed, 'metadata', i);
      ctx.stats.connections += i % FETCH_EVERY === 0 ? 1 : 0;
      if (i % FETCH_EVERY === 0) return fetchCase(ctx, rng, i);
      parsers(ctx, rng, i);
      assembly(ctx, rng, i);
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }),
};
