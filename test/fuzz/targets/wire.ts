// wire: a live seeder gets a valid handshake and then streams of valid, spliced and mutated
// frames, many inputs per connection (a connection ends when the seeder closes it, when an
// input asks for a new one, or after 32 inputs). handshake: mutated handshakes on fresh sockets.
import { connect, Socket } from 'node:net';
import { Ctx, note, pool, Target } from '../core';
import { HOST, Env, sleep } from '../live';
import { bencode, INTERESTING_U32, mutateBencode, mutateBytes, toNode } from '../mutate';
import { Rng } from '../rng';
import { BLOCK, frame, fullBitfield, Geometry, handshake, KEEPALIVE, peerId, PeerReader, pieceBytes, PSTR, request, u32s } from '../wireproto';

const CHUNK = 32; // inputs per worker chunk: each chunk starts on a fresh connection
const WORKERS = 3;

function validBlock(rng: Rng, g: Geometry): [number, number, number] {
  const index = rng.chance(0.1) ? g.pieceCount - 1 : rng.int(g.pieceCount);
  const pb = pieceBytes(g, index);
  const begin = rng.int(Math.ceil(pb / BLOCK)) * BLOCK;
  return [index, begin, Math.min(BLOCK, pb - begin)];
}

function edgeBlock(rng: Rng, g: Geometry): [number, number, number] {
  const [i, b, l] = validBlock(rng, g);
  switch (rng.int(8)) {
    case 0:
      return [i, b, 0];
    case 1:
      return [i, b, BLOCK + rng.pick([1, 2, BLOCK])];
    case 2:
      return [i, b + rng.range(1, BLOCK - 1), l];
    case 3:
      return [g.pieceCount + rng.int(3), b, l];
    case 4:
      return [i, pieceBytes(g, i) - rng.range(0, 10), l];
    case 5:
      return [rng.pick(INTERESTING_U32), rng.pick(INTERESTING_U32), rng.pick(INTERESTING_U32)];
    case 6:
      return [g.pieceCount - 1, pieceBytes(g, g.pieceCount - 1) - rng.range(1, 100), BLOCK];
    default:
      return [i, b, l - rng.range(1, Math.max(1, l - 1))];
  }
}

function extendedFrame(rng: Rng): Buffer {
  if (rng.chance(0.6)) {
    const hs: Record<string, unknown> = {
      m: { ut_metadata: rng.range(0, 255), ut_pex: 2 },
      v: 'fuzz',
      reqq: rng.pick([0, 1, 250, 2000, 2 ** 31]),
      p: rng.range(0, 70000),
    };
    if (rng.chance(0.5)) hs.metadata_size = rng.pick([0, 1, 16384, 2 ** 31, 2 ** 40]);
    let dict = bencode(toNode(hs));
    if (rng.chance(0.5)) dict = mutateBencode(dict, rng);
    return frame(20, Buffer.concat([Buffer.from([0]), dict]));
  }
  const sub = rng.range(1, 255);
  const body = rng.chance(0.5)
    ? bencode(toNode({ msg_type: rng.range(0, 3), piece: rng.range(0, 10), total_size: rng.range(0, 1 << 20) }))
    : rng.bytes(rng.small(200));
  return frame(20, Buffer.concat([Buffer.from([sub]), body]));
}

/** One frame (or a burst of requests) from the templates. */
export function genFrame(rng: Rng, g: Geometry): Buffer {
  const kinds = [3, 1, 1, 4, 1, 3, 2, 9, 3, 1, 1, 1, 2, 1];
  switch (rng.weighted(kinds)) {
    case 0:
      return KEEPALIVE;
    case 1:
      return frame(0);
    case 2:
      return frame(1);
    case 3:
      return frame(2);
    case 4:
      return frame(3);
    case 5: {
      const idx = rng.chance(0.85) ? rng.int(g.pieceCount) : rng.pick([g.pieceCount, g.pieceCount + 1, 0xffffffff, 0x80000000]);
      return frame(4, u32s(idx));
    }
    case 6: {
      const bytes = Math.ceil(g.pieceCount / 8);
      let bits: Buffer;
      const r = rng.int(6);
      if (r === 0) bits = fullBitfield(g);
      else if (r === 1) bits = Buffer.alloc(bytes);
      else if (r === 2) bits = Buffer.alloc(bytes, 0xff); // spare bits set
      else if (r === 3) bits = rng.bytes(bytes + rng.pick([-1, 1, 2]));
      else {
        bits = rng.bytes(bytes);
        const spare = bytes * 8 - g.pieceCount;
        if (spare > 0) bits[bytes - 1] &= (0xff << spare) & 0xff;
      }
      return frame(5, bits);
    }
    case 7: {
      const [i, b, l] = rng.chance(0.85) ? validBlock(rng, g) : edgeBlock(rng, g);
      return request(i, b, l);
    }
    case 8: {
      const [i, b, l] = rng.chance(0.7) ? validBlock(rng, g) : edgeBlock(rng, g);
      return frame(8, u32s(i, b, l));
    }
    case 9: {
      const [i, b] = validBlock(rng, g);
      const len = rng.chance(0.5) ? rng.range(1, 64) : rng.pick([BLOCK, BLOCK - 1, 1]);
      return frame(7, Buffer.concat([u32s(i, b), rng.bytes(len)]));
    }
    case 10: {
      const p = Buffer.alloc(2);
      p.writeUInt16BE(rng.int(65536));
      return frame(9, p);
    }
    case 11: {
      let id = rng.range(10, 255);
      if (id === 20) id = 21;
      return frame(id, rng.bytes(rng.small(40)));
    }
    case 12:
      return extendedFrame(rng);
    default: {
      const n = rng.pick([50, 150, 400, 1500]);
      const parts: Buffer[] = [];
      for (let k = 0; k < n; k++) parts.push(request(...validBlock(rng, g)));
      return Buffer.concat(parts);
    }
  }
}

const LENGTHS = [0, 1, 2, 4, 5, 12, 13, 14, 0x4009, 0x400a, 0x4008, 0x100000, 0x100001, 0x7fffffff, 0x80000000, 0xffffffff];

/** One wire input: 1..6 frames, often mutated (length prefixes, bit flips, truncation, splicing). */
export function genWireInput(rng: Rng, g: Geometry): Buffer {
  const frames = Array.from({ length: rng.range(1, 6) }, () => genFrame(rng, g));
  if (rng.chance(0.6)) return Buffer.concat(frames);
  const r = rng.int(5);
  if (r === 0 || r === 1) {
    // length-prefix mutation of one frame
    const k = rng.int(frames.length);
    const f = Buffer.from(frames[k]);
    if (f.length >= 4) {
      const len = f.readUInt32BE(0);
      f.writeUInt32BE((rng.chance(0.5) ? rng.pick([len - 1, len + 1, len * 2, len + 0x10000]) : rng.pick(LENGTHS)) >>> 0, 0);
    }
    frames[k] = f;
    return Buffer.concat(frames);
  }
  if (r === 2) {
    // truncate the last frame: the stream is then misaligned for what follows
    const last = frames[frames.length - 1];
    frames[frames.length - 1] = last.subarray(0, rng.int(last.length));
    return Buffer.concat(frames);
  }
  if (r === 3) {
    // splice with other frames
    const others = Array.from({ length: 3 }, () => genFrame(rng, g));
    return mutateBytes(Buffer.concat(frames), rng, others, 2);
  }
  return mutateBytes(Buffer.concat(frames), rng, [], 4);
}

interface Conn {
  sock: Socket;
  closed: boolean;
  first: number;
  ready: Promise<'ok' | 'closed' | 'timeout'>;
}

/** Checks every block the seeder sends against the file. */
function watchBlocks(
  ctx: Ctx,
  env: Env,
  sock: Socket,
  reader: PeerReader,
  firstInput: () => number,
  currentInput: () => number,
  onHandshake: () => void,
): void {
  const g = env.geometry;
  let handshaken = false;
  let reported = false;
  sock.on('data', (c: Buffer) => {
    reader.push(c, (f) => {
      if (f.id !== 7) return;
      note(ctx, 'blocks received');
      const index = f.payload.readUInt32BE(0);
      const begin = f.payload.readUInt32BE(4);
      const data = f.payload.subarray(8);
      const ok = index < g.pieceCount && begin + data.length <= pieceBytes(g, index) && data.length > 0;
      const at = index * g.pieceLength + begin;
      if (!ok || !data.equals(env.file.subarray(at, at + data.length))) {
        if (reported) return;
        reported = true;
        const message = `seeder sent block ${index}:${begin}+${data.length} that ${ok ? 'differs from the file' : 'lies outside the torrent'}`;
        ctx.report({ kind: 'wrong-bytes', message, from: firstInput(), count: currentInput() - firstInput() + 1, index: currentInput() });
      } else note(ctx, 'blocks verified');
    });
    if (reader.error && !reported) {
      reported = true;
      ctx.report({ kind: 'protocol', message: reader.error, from: firstInput(), count: currentInput() - firstInput() + 1, index: currentInput() });
      sock.destroy();
    }
    if (!handshaken && reader.handshake) {
      handshaken = true;
      onHandshake();
    }
  });
}

function openConn(ctx: Ctx, env: Env, rng: Rng, first: number, current: () => number, lazy: boolean): Conn {
  const sock = connect({ host: HOST, port: env.seederPort });
  ctx.stats.connections++;
  const reader = new PeerReader(9 + BLOCK + 1);
  const conn: Conn = { sock, closed: false, first, ready: Promise.resolve('ok') };
  conn.ready = new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), 5000);
    watchBlocks(ctx, env, sock, reader, () => conn.first, current, () => {
      clearTimeout(t);
      if (lazy) sock.pause(); // reads no more: the seeder's sends back up
      resolve('ok');
    });
    sock.on('close', () => {
      conn.closed = true;
      clearTimeout(t);
      resolve('closed');
    });
  });
  sock.on('error', () => {});
  const reserved = Buffer.alloc(8);
  if (rng.chance(0.3)) reserved[5] |= 0x10; // BEP 10
  if (rng.chance(0.1)) rng.bytes(8).copy(reserved);
  const hs = handshake(env.infoHash, peerId(rng), reserved);
  // most leechers say `interested` at once; the seeder then unchokes and serves requests
  sock.write(rng.chance(0.6) ? Buffer.concat([hs, frame(2)]) : hs);
  return conn;
}

async function writeInput(conn: Conn, data: Buffer, rng: Rng): Promise<void> {
  if (data.length === 0 || conn.closed) return;
  if (rng.chance(0.75) || data.length < 2) {
    conn.sock.write(data);
  } else {
    const parts = rng.chance(0.1) && data.length < 64 ? data.length : rng.range(2, 5);
    let at = 0;
    for (let k = 0; k < parts && at < data.length && !conn.closed; k++) {
      const end = k === parts - 1 ? data.length : Math.min(data.length, at + 1 + rng.int(Math.max(1, data.length - at)));
      conn.sock.write(data.subarray(at, end));
      at = end;
      await new Promise((r) => setImmediate(r));
    }
  }
  if (rng.chance(0.05)) await sleep(rng.range(1, 15));
  else await new Promise((r) => setImmediate(r));
}

export const wireTarget: Target = {
  name: 'wire',
  runBatch: async (ctx, from, to) => {
    const chunks: [number, number][] = [];
    for (let s = from; s < to; s += CHUNK) chunks.push([s, Math.min(to, s + CHUNK)]);
    let ran = 0;
    const worker = async (w: number) => {
      while (chunks.length > 0 && Date.now() < ctx.deadline) {
        const [s, e] = chunks.shift()!;
        let conn: Conn | undefined;
        let current = s;
        for (let i = s; i < e && Date.now() < ctx.deadline; i++) {
          current = i;
          const env = ctx.env();
          const rng = new Rng(ctx.seed, 'wire', i);
          if (!conn || conn.closed || rng.chance(1 / 16)) {
            conn?.sock.destroy();
            const c: Conn = openConn(ctx, env, rng, i, () => current, rng.chance(0.08));
            conn = c;
            ctx.span(w, i, i);
            const state = await c.ready;
            if (state === 'timeout') {
              ctx.report({ kind: 'hang', message: 'seeder did not answer an honest handshake within 5 s', from: i, count: 1, index: i });
              c.sock.destroy();
              ran++;
              continue;
            }
            if (state === 'closed') {
              if (ctx.env().seeder.exited) break;
              ctx.report({ kind: 'protocol', message: 'seeder closed the connection on an honest handshake', from: i, count: 1, index: i });
              ran++;
              continue;
            }
          }
          ctx.span(w, conn.first, i);
          await writeInput(conn, genWireInput(rng, env.geometry), rng);
          ran++;
          if (conn.closed) note(ctx, 'closed by seeder');
        }
        conn?.sock.destroy();
        ctx.span(w, undefined);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    return ran;
  },
};

// ---- handshake ----

const NOT_BT = [
  'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
  '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
  '\x13BitTorrent protocoX',
  '\x00',
  '\x14BitTorrent protocol!',
  '\x12BitTorrent protoco',
  '\xffBitTorrent protocol',
  '\x13bittorrent protocol',
  'SSH-2.0-OpenSSH_9.0\r\n',
];

interface HsInput {
  bytes: Buffer;
  dribble: boolean;
}

function genHandshake(rng: Rng, env: Env): HsInput {
  const reserved = rng.chance(0.7) ? Buffer.alloc(8) : rng.bytes(8);
  const pid = rng.chance(0.05) ? env.seederPeerId : peerId(rng);
  let ih = env.infoHash;
  if (rng.chance(0.1)) ih = rng.chance(0.5) ? rng.bytes(20) : Buffer.alloc(20);
  let b = handshake(ih, pid, reserved);
  let dribble = false;
  switch (rng.weighted([20, 30, 10, 10, 5, 5, 5, 5])) {
    case 0:
      break; // valid
    case 1: {
      // flips focused on the 68 bytes
      b = Buffer.from(b);
      const n = rng.range(1, 3);
      for (let k = 0; k < n; k++) {
        const at = rng.chance(0.5) ? rng.int(20) : rng.int(68);
        if (rng.chance(0.5)) b[at] ^= 1 << rng.int(8);
        else b[at] = rng.int(256);
      }
      break;
    }
    case 2:
      b = b.subarray(0, rng.int(68));
      break;
    case 3:
      b = Buffer.concat([b, genFrame(rng, env.geometry), genFrame(rng, env.geometry)]);
      if (rng.chance(0.5)) b = mutateBytes(b, rng, [], 2);
      break;
    case 4:
      b = Buffer.from(rng.pick(NOT_BT), 'latin1');
      break;
    case 5:
      dribble = true;
      break;
    case 6:
      b = Buffer.concat([b, rng.bytes(rng.pick([100, 10_000, 300_000]))]);
      break;
    default:
      b = mutateBytes(b, rng, [PSTR], 3);
  }
  return { bytes: b, dribble };
}

export const handshakeTarget: Target = {
  name: 'handshake',
  runBatch: (ctx, from, to) =>
    pool(ctx, from, to, 8, async (i) => {
      const env = ctx.env();
      const rng = new Rng(ctx.seed, 'handshake', i);
      const input = genHandshake(rng, env);
      const b = input.bytes;
      const valid =
        b.length === 68 && b.subarray(0, 20).equals(PSTR) && b.subarray(28, 48).equals(env.infoHash) && !b.subarray(48, 68).equals(env.seederPeerId);
      const wrongTorrent = b.length >= 68 && b.subarray(0, 20).equals(PSTR) && !b.subarray(28, 48).equals(env.infoHash);
      const ownId = b.length >= 68 && b.subarray(48, 68).equals(env.seederPeerId);
      ctx.stats.connections++;
      const outcome = await new Promise<'reply' | 'closed' | 'quiet'>((resolve) => {
        const sock = connect({ host: HOST, port: env.seederPort });
        const reader = new PeerReader(1 << 20);
        let settled = false;
        const done = (r: 'reply' | 'closed' | 'quiet') => {
          if (settled) return;
          settled = true;
          clearTimeout(t);
          sock.destroy();
          resolve(r);
        };
        const t = setTimeout(() => done('quiet'), valid ? 5000 : 120);
        sock.on('error', () => {});
        sock.on('close', () => done('closed'));
        sock.on('data', (c: Buffer) => {
          reader.push(c, () => {});
          if (reader.handshake) {
            if (!valid) return done('reply');
            // a valid handshake: read a moment more (bitfield), then go
            setTimeout(() => done('reply'), rng.chance(0.5) ? 0 : 20);
          }
        });
        sock.on('connect', async () => {
          if (input.dribble) {
            for (let k = 0; k < b.length && !settled; ) {
              const n = rng.range(1, 9);
              sock.write(b.subarray(k, k + n));
              k += n;
              await sleep(rng.chance(0.2) ? 2 : 0);
            }
          } else sock.write(b);
        });
      });
      note(ctx, `outcome ${outcome}`);
      const at = { from: i, count: 1, index: i, input: b };
      if (valid && outcome === 'quiet') ctx.report({ kind: 'hang', message: 'no handshake reply to a valid handshake within 5 s', ...at });
      if (valid && outcome === 'closed' && !env.seeder.exited) ctx.report({ kind: 'protocol', message: 'seeder closed on a valid handshake', ...at });
      if (outcome === 'reply' && wrongTorrent) ctx.report({ kind: 'protocol', message: 'seeder answered a handshake for another info-hash', ...at });
      if (outcome === 'reply' && ownId) ctx.report({ kind: 'protocol', message: 'seeder answered a handshake carrying its own peer id', ...at });
    }),
};
