// extended: BEP 10 / BEP 9 against the live seeder's real PeerConnection. Each input is one
// connection with the BEP 10 bit (mostly): our extended handshake (valid, mutated, repeated, ids
// switched off), then ut_metadata requests (in range, past the end, huge, floods), unsolicited
// data and rejects, mutated headers and wrong extension ids. What must hold: the seeder's own
// extended handshake states the info dict's true size; every data message it sends is under the id
// we declared (only when we declared one), has total_size = that size and carries exactly that
// piece of the info dict; a peer without the bit gets no message 20; an honest fetch of every
// piece completes within 5 s. After each batch the runner's probes (honest leecher, tracker) pass.
import { connect } from 'node:net';
import { join } from 'node:path';
import type * as InfoDictModule from '../../../src/core/magnet/infoDict';
import { Ctx, note, pool, Target } from '../core';
import { Env, HOST, sleep } from '../live';
import { bencode, bparse, BNode, mutateBencode, mutateBytes, toNode } from '../mutate';
import { Rng } from '../rng';
import { frame, handshake, InFrame, PeerReader, peerId } from '../wireproto';
import { SRC } from '../inproc';

const PIECE = 16 * 1024;
let infoDict: Buffer = Buffer.alloc(0);
let infoFor: Buffer | undefined;

const ext = (id: number, body: Buffer) => frame(20, Buffer.concat([Buffer.from([id]), body]));
const get = (n: BNode | undefined, key: string) => (n?.t === 'd' ? n.v.find(([k]) => k.toString('latin1') === key)?.[1] : undefined);
const intOf = (n: BNode | undefined) => (n?.t === 'i' && /^-?[0-9]{1,15}$/.test(n.v) ? Number(n.v) : undefined);

/** The leading bencoded dict of a ut_metadata message and where it ends (our own scan, independent of src/). */
function header(b: Buffer): { dict: BNode; end: number } | undefined {
  for (let end = 2; end <= Math.min(b.length, 200); end++) {
    if (b[end - 1] !== 0x65) continue;
    const d = bparse(b.subarray(0, end));
    if (d?.t === 'd') return { dict: d, end };
  }
  return undefined;
}

interface Plan {
  /** the ut_metadata id our handshake declares; undefined: mutated, none or switched off */
  ourId?: number;
  writes: Buffer[];
  /** valid requests for pieces in range: answers expected (data or reject) */
  honestRequests: number;
  /** every piece asked once, nothing hostile: every piece must come back */
  honest: boolean;
}

function plan(rng: Rng, pieces: number, seederId: number): Plan {
  const writes: Buffer[] = [];
  let ourId: number | undefined = rng.range(1, 255);
  const hs: Record<string, unknown> = { m: { ut_metadata: ourId, ut_pex: 1 }, v: 'fuzz 1.0', reqq: rng.pick([1, 250, 2000]) };
  if (rng.chance(0.3)) hs.metadata_size = rng.pick([0, 1, infoDict.length, 2 ** 31, -5]);
  let hsBytes = bencode(toNode(hs));
  let hostile = false;
  if (rng.chance(0.35)) {
    hsBytes = rng.chance(0.7) ? mutateBencode(hsBytes, rng) : mutateBytes(hsBytes, rng);
    ourId = undefined;
    hostile = true;
  }
  if (rng.chance(0.95)) writes.push(ext(0, hsBytes));
  else ourId = undefined;
  if (rng.chance(0.1)) {
    // a second handshake: a new id, or ut_metadata switched off
    const again = rng.chance(0.5) ? rng.range(1, 255) : 0;
    writes.push(ext(0, bencode(toNode({ m: { ut_metadata: again } }))));
    ourId = again || undefined;
  }
  const req = (piece: number) => ext(seederId, bencode(toNode({ msg_type: 0, piece })));
  let honestRequests = 0;
  const honest = !hostile && ourId !== undefined && rng.chance(0.3);
  if (honest) {
    for (let p = 0; p < pieces; p++) writes.push(req(p));
    honestRequests = pieces;
  } else {
    for (let k = rng.range(1, 12); k > 0; k--) {
      switch (rng.weighted([30, 10, 10, 10, 10, 10, 8, 6, 6])) {
        case 0:
          writes.push(req(rng.int(pieces)));
          honestRequests++;
          break;
        case 1:
          writes.push(req(rng.pick([pieces, pieces + 1, 2 ** 31, 2 ** 53, -1])));
          break;
        case 2: // unsolicited data, with a lying total_size
          writes.push(ext(seederId, Buffer.concat([bencode(toNode({ msg_type: 1, piece: rng.int(pieces + 2), total_size: rng.pick([infoDict.length, 1, 2 ** 40]) })), rng.bytes(rng.pick([0, 1, 100, PIECE]))])));
          break;
        case 3:
          writes.push(ext(seederId, bencode(toNode({ msg_type: 2, piece: rng.int(pieces + 1) }))));
          break;
        case 4: // a mutated header
          writes.push(ext(seederId, mutateBencode(bencode(toNode({ msg_type: rng.int(3), piece: rng.int(pieces), total_size: infoDict.length })), rng)));
          break;
        case 5: // another extension id, or the handshake id with junk
          writes.push(ext(rng.pick([1, 2, 4, 255, 0]), rng.bytes(rng.small(100))));
          break;
        case 6: // a flood of requests (past the seeder's serve rounds and reject limit)
          for (let j = rng.pick([10, 100, 300]); j > 0; j--) writes.push(req(rng.int(pieces + 1)));
          break;
        case 7: // trailing bytes after a request, or a frame cut short / too long
          writes.push(rng.chance(0.5) ? ext(seederId, Buffer.concat([bencode(toNode({ msg_type: 0, piece: 0 })), rng.bytes(rng.range(1, 9))])) : mutateBytes(req(0), rng));
          break;
        default: // a nested or huge header
          writes.push(ext(seederId, Buffer.from(rng.pick(['d8:msg_typei0e5:pieceld1:xi1eeee', 'd8:msg_typei0e5:piecei0e' + '1:ai1e'.repeat(40) + 'e', 'd8:msg_typei00e5:piecei-0ee', 'd8:msg_typei0e5:piecei99999999999999999999999ee', 'de', '']))));
      }
    }
  }
  return { ourId, writes, honestRequests, honest };
}

export const extendedTarget: Target = {
  name: 'extended',
  setup: async () => {
    infoFor = undefined;
  },
  runBatch: (ctx: Ctx, from, to) =>
    pool(ctx, from, to, 8, async (i) => {
      const env: Env = ctx.env();
      if (infoFor !== env.torrent) {
        const { infoDictOf } = require(join(SRC, 'core/magnet/infoDict')) as typeof InfoDictModule;
        infoDict = Buffer.from(infoDictOf({ torrent: env.torrent })!);
        infoFor = env.torrent;
      }
      const pieces = Math.ceil(infoDict.length / PIECE);
      const rng = new Rng(ctx.seed, 'extended', i);
      const fail = (kind: 'protocol' | 'wrong-bytes' | 'hang', message: string, input?: Buffer) => ctx.report({ kind, message, from: i, count: 1, index: i, input });
      ctx.stats.connections++;
      const sock = connect({ host: HOST, port: env.seederPort });
      sock.on('error', () => {});
      const reader = new PeerReader(PIECE + 256);
      let p: Plan | undefined;
      let seederExtId: number | undefined;
      let closed = false;
      const got = new Set<number>();
      let answers = 0;
      let onProgress = () => {};
      const closedP = new Promise<void>((r) => sock.on('close', () => ((closed = true), r())));
      const reserved = Buffer.alloc(8);
      const bit = rng.chance(0.92);
      if (bit) reserved[5] |= 0x10;
      sock.write(handshake(env.infoHash, peerId(rng), reserved));
      const seederHs = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 3000);
        sock.on('data', (c: Buffer) =>
          reader.push(c, (f: InFrame) => {
            if (f.id !== 20) return;
            if (!bit) return fail('protocol', 'the seeder sent message 20 to a peer without the BEP 10 bit');
            if (f.payload[0] === 0) {
              const d = bparse(f.payload.subarray(1));
              const size = intOf(get(d, 'metadata_size'));
              const id = intOf(get(get(d, 'm'), 'ut_metadata'));
              if (size !== infoDict.length) fail('protocol', `the seeder's extended handshake says metadata_size ${size}, its info dict has ${infoDict.length} bytes`);
              seederExtId = id;
              clearTimeout(t);
              return resolve();
            }
            const ourId = p?.ourId;
            if (ourId === undefined) return note(ctx, 'message 20 to a mutated id');
            if (f.payload[0] !== ourId) return fail('protocol', `the seeder sent extension id ${f.payload[0]}; we asked for ut_metadata under ${ourId}`);
            const h = header(f.payload.subarray(1));
            const type = intOf(get(h?.dict, 'msg_type'));
            const piece = intOf(get(h?.dict, 'piece'));
            if (!h || piece === undefined || piece < 0 || (type !== 1 && type !== 2)) return fail('protocol', `the seeder sent a malformed ut_metadata message ${JSON.stringify(f.payload.subarray(0, 80).toString('latin1'))}`);
            answers++;
            if (type === 1) {
              const data = f.payload.subarray(1 + h.end);
              const want = infoDict.subarray(piece * PIECE, (piece + 1) * PIECE);
              if (intOf(get(h.dict, 'total_size')) !== infoDict.length) fail('wrong-bytes', `ut_metadata data with total_size ${intOf(get(h.dict, 'total_size'))} (info dict: ${infoDict.length})`);
              else if (piece >= pieces || !data.equals(want)) fail('wrong-bytes', `ut_metadata data for piece ${piece} (${data.length} bytes) is not that piece of the info dict`);
              else got.add(piece);
              note(ctx, 'metadata pieces verified');
            } else note(ctx, 'rejects');
            onProgress();
          }),
        );
      });
      await seederHs;
      if (reader.error) fail('protocol', reader.error);
      if (closed) return note(ctx, 'closed before its extended handshake');
      if (!bit) {
        // without the bit, message 20 is a protocol error the seeder may drop us for; it must not answer it
        sock.write(ext(seederExtId ?? 3, bencode(toNode({ msg_type: 0, piece: 0 }))));
        await Promise.race([closedP, sleep(150)]);
        sock.destroy();
        return note(ctx, 'no bit');
      }
      if (seederExtId === undefined) return fail('protocol', 'the seeder sent no extended handshake (or no ut_metadata id) within 3 s');
      p = plan(rng, pieces, seederExtId);
      const all = Buffer.concat(p.writes);
      for (let at = 0; at < all.length && !closed; ) {
        const n = rng.chance(0.8) ? all.length - at : rng.range(1, Math.max(1, Math.min(200, all.length - at)));
        sock.write(all.subarray(at, at + n));
        at += n;
        if (at < all.length) await new Promise((r) => setImmediate(r));
      }
      if (p.honest) {
        const ok = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 5000);
          onProgress = () => got.size === pieces && (clearTimeout(t), resolve(true));
          onProgress();
          void closedP.then(() => (clearTimeout(t), resolve(got.size === pieces)));
        });
        if (!ok) fail(closed ? 'protocol' : 'hang', `an honest metadata fetch got ${got.size} of ${pieces} pieces${closed ? ' before the seeder closed' : ' within 5 s'}`, all);
        else note(ctx, 'honest fetches');
      } else {
        await Promise.race([closedP, sleep(rng.range(20, 80))]);
      }
      if (reader.error) fail('protocol', reader.error, all);
      if (p.ourId !== undefined && answers > p.writes.length) fail('protocol', `${answers} ut_metadata answers to ${p.writes.length} messages`, all);
      note(ctx, closed ? 'dropped by the seeder' : 'kept');
      sock.destroy();
    }),
};
