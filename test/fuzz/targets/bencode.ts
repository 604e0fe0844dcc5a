// bencode: mutated bencoded bodies into decode() (in-process: only BencodeError, bounded time),
// and, served by a tiny fake HTTP tracker on 127.0.0.1 (with mutated HTTP around them too), into
// the tracker client's announce() and parsePeers(): only TrackerError, in bounded time, sane results.
import { createServer, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Ctx, note, pool, Target } from '../core';
import { HOST } from '../live';
import { bencode, bencodeGarbage, mutateBencode, mutateBytes, toNode } from '../mutate';
import { Rng } from '../rng';

const ANNOUNCE_TIMEOUT_MS = 700;

function corpus(rng: Rng): Buffer[] {
  const peers = (n: number, w: number) => rng.bytes(n * w);
  return [
    bencode(toNode({ interval: 60, 'min interval': 30, complete: 1, incomplete: 2, peers: peers(3, 6), 'sta catalog': 1 })),
    bencode(toNode({ interval: 1800, peers: peers(0, 6), peers6: peers(2, 18) })),
    bencode(toNode({ interval: 60, peers: [{ ip: '127.0.0.1', port: 6881, 'peer id': rng.bytes(20) }, { ip: '::1', port: 1 }] })),
    bencode(toNode({ 'failure reason': 'nope' })),
    bencode(toNode({ 'warning message': 'hm', interval: 10, peers: peers(1, 6) })),
    bencode(toNode({ files: { [rng.bytes(20).toString('latin1')]: { complete: 1, downloaded: 2, incomplete: 3 } } })),
    bencode(toNode({ m: { ut_metadata: 1, ut_pex: 2 }, metadata_size: 31235, reqq: 250, v: 'x' })),
    bencode(toNode({ info: { length: 5, name: 'a', 'piece length': 16384, pieces: rng.bytes(20) }, announce: 'http://127.0.0.1/announce' })),
    Buffer.from('le'),
    Buffer.from('i42e'),
    Buffer.from('4:spam'),
  ];
}

type Mode =
  | 'ok'
  | 'status'
  | 'no-length'
  | 'short-body'
  | 'long-body'
  | 'chunked'
  | 'bad-chunked'
  | 'huge'
  | 'stall'
  | 'garbage'
  | 'close'
  | 'reset'
  | 'bad-header'
  | 'redirect'
  | 'continue';
const MODES: Mode[] = [
  'ok', 'status', 'no-length', 'short-body', 'long-body', 'chunked', 'bad-chunked', 'huge',
  'stall', 'garbage', 'close', 'reset', 'bad-header', 'redirect', 'continue',
];
const MODE_WEIGHTS = [50, 6, 5, 4, 3, 4, 3, 2, 1, 3, 2, 2, 3, 2, 2];

interface Planned {
  body: Buffer;
  mode: Mode;
  status: number;
  rng: Rng;
}

class FakeTracker {
  private server?: Server;
  port = 0;
  readonly plans = new Map<number, Planned>();
  private readonly sockets = new Set<Socket>();

  async start(): Promise<void> {
    this.server = createServer((s) => this.onSocket(s));
    await new Promise<void>((r) => this.server!.listen(0, HOST, r));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private onSocket(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    let head = '';
    s.on('data', (c: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const m = /[?&]fz=(\d+)/.exec(head);
      const plan = m ? this.plans.get(Number(m[1])) : undefined;
      if (!plan) return void s.destroy();
      this.answer(s, plan);
    });
  }

  private answer(s: Socket, p: Planned): void {
    const { body, rng } = p;
    const h = (status: number, extra: string) => `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\n${extra}\r\n`;
    switch (p.mode) {
      case 'ok':
      case 'status':
        return void s.end(Buffer.concat([Buffer.from(h(p.status, `Content-Length: ${body.length}\r\nConnection: close\r\n`)), body]));
      case 'no-length':
        return void s.end(Buffer.concat([Buffer.from(h(p.status, 'Connection: close\r\n')), body]));
      case 'short-body': // declares more than it sends, then closes
        return void s.end(Buffer.concat([Buffer.from(h(p.status, `Content-Length: ${body.length + rng.range(1, 1000)}\r\n`)), body]));
      case 'long-body':
        return void s.end(Buffer.concat([Buffer.from(h(p.status, `Content-Length: ${Math.max(0, body.length - rng.range(1, 10))}\r\n`)), body]));
      case 'chunked': {
        const parts: Buffer[] = [Buffer.from(h(p.status, 'Transfer-Encoding: chunked\r\n'))];
        for (let at = 0; at < body.length; ) {
          const n = Math.min(body.length - at, rng.range(1, 64));
          parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
          at += n;
        }
        parts.push(Buffer.from('0\r\n\r\n'));
        return void s.end(Buffer.concat(parts));
      }
      case 'bad-chunked':
        return void s.end(
          Buffer.concat([
            Buffer.from(h(p.status, 'Transfer-Encoding: chunked\r\n')),
            Buffer.from(rng.pick(['zz\r\n', 'ffffffffffffffff\r\n', '5\r\nab', '-1\r\n', '3\r\nabcde\r\n'])),
            body,
          ]),
        );
      case 'huge': {
        s.write(h(200, `Content-Length: ${3 * 1024 * 1024}\r\n`));
        const chunk = Buffer.alloc(64 * 1024, 0x31);
        let sent = 0;
        const pump = () => {
          while (sent < 3 * 1024 * 1024 && !s.destroyed) {
            sent += chunk.length;
            if (!s.write(chunk)) return void s.once('drain', pump);
          }
          s.end();
        };
        return pump();
      }
      case 'stall':
        if (rng.chance(0.5)) s.write(h(200, `Content-Length: ${body.length}\r\n`)); // then nothing
        return;
      case 'garbage':
        return void s.end(Buffer.concat([rng.chance(0.5) ? Buffer.from('HTTP/1.1 2') : rng.bytes(rng.range(1, 40)), body]));
      case 'close':
        return void s.end();
      case 'reset':
        return void s.resetAndDestroy();
      case 'bad-header': {
        const header = rng.pick([
          'Content-Length: 5\r\nContent-Length: 6',
          'Content-Length: -1',
          'Content-Length: abc',
          'X: a\0b',
          ' folded: x',
          'NoColon',
          'Content-Length: 99999999999999999999',
        ]);
        return void s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\n${header}\r\n\r\n`), body]));
      }
      case 'redirect':
        return void s.end(`HTTP/1.1 ${rng.pick([301, 302, 307])} Moved\r\nLocation: http://127.0.0.1:1/announce\r\nContent-Length: 0\r\n\r\n`);
      case 'continue':
        return void s.end(Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n' + h(200, `Content-Length: ${body.length}\r\n`)), body]));
    }
  }
}

let fake: FakeTracker | undefined;

export function genBody(rng: Rng): Buffer {
  const c = corpus(rng);
  const r = rng.weighted([50, 30, 10, 10]);
  if (r === 0) return mutateBencode(rng.pick(c), rng, c);
  if (r === 1) return mutateBytes(rng.pick(c), rng, c);
  if (r === 2) return bencodeGarbage(rng);
  return rng.pick(c);
}

function isTrackerError(ctx: Ctx, e: unknown): boolean {
  return e instanceof ctx.eng.TrackerError;
}

export const bencodeTarget: Target = {
  name: 'bencode',
  setup: async () => {
    fake = new FakeTracker();
    await fake.start();
  },
  teardown: async () => {
    await fake?.stop();
    fake = undefined;
  },
  runBatch: (ctx, from, to) =>
    pool(ctx, from, to, 8, async (i) => {
      const rng = new Rng(ctx.seed, 'bencode', i);
      const body = genBody(rng);
      const { decode, BencodeError } = ctx.eng.bencode;
      let decoded: any;
      let ok = false;
      const t0 = performance.now();
      try {
        decoded = decode(body);
        ok = true;
        note(ctx, 'decoded ok');
      } catch (e) {
        if (!(e instanceof BencodeError)) {
          const message = `decode threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
          ctx.report({ kind: 'exception', message, from: i, count: 1, index: i, detail: (e as Error)?.stack, input: body });
        }
      }
      const ms = performance.now() - t0;
      if (ms > 1000) ctx.report({ kind: 'hang', message: `decode took ${ms.toFixed(0)} ms on ${body.length} bytes`, from: i, count: 1, index: i, input: body });
      if (ok && decoded && typeof decoded === 'object' && !Buffer.isBuffer(decoded)) {
        try {
          const peers = ctx.eng.parsePeers(decoded.peers, decoded.peers6);
          checkPeers(ctx, i, peers, 'parsePeers');
        } catch (e) {
          if (!isTrackerError(ctx, e)) {
            const message = `parsePeers threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
            ctx.report({ kind: 'exception', message, from: i, count: 1, index: i, detail: (e as Error)?.stack, input: body });
          }
        }
      }
      if (!rng.chance(0.5)) return;
      // through HTTP into announce()
      const mode = MODES[rng.weighted(MODE_WEIGHTS)];
      const status = mode === 'status' ? rng.pick([0, 100, 199, 201, 204, 206, 304, 400, 404, 500, 503, 999]) : 200;
      fake!.plans.set(i, { body, mode, status, rng: new Rng(ctx.seed, 'bencode-http', i) });
      ctx.stats.connections++;
      const t1 = Date.now();
      let settled = false;
      const p = ctx.eng
        .announce(
          `http://${HOST}:${fake!.port}/announce?fz=${i}`,
          { infoHash: rng.bytes(20), peerId: rng.bytes(20), port: 6881, uploaded: 0, downloaded: 0, left: 1, event: 'started' },
          ANNOUNCE_TIMEOUT_MS,
        )
        .then(
          (res) => {
            note(ctx, 'announce ok');
            const bad: string[] = [];
            if (!Number.isInteger(res.interval) || res.interval < 1 || res.interval > 3600) bad.push(`interval ${res.interval}`);
            if (res.minInterval !== undefined && (!Number.isInteger(res.minInterval) || res.minInterval < 1)) bad.push(`min interval ${res.minInterval}`);
            if (res.warning !== undefined && typeof res.warning !== 'string') bad.push('warning is not a string');
            if (bad.length) ctx.report({ kind: 'exception', message: `announce() returned ${bad.join(', ')}`, from: i, count: 1, index: i, input: body });
            checkPeers(ctx, i, res.peers, 'announce()');
          },
          (e) => {
            if (isTrackerError(ctx, e)) {
              note(ctx, `announce TrackerError ${(e as { kind?: string }).kind ?? ''}`.trim());
            } else {
              const message =
                `announce() rejected with ${(e as Error)?.constructor?.name} (not TrackerError): ${(e as Error)?.message}` +
                ` [fake tracker: ${mode} ${status}]`;
              ctx.report({ kind: 'exception', message, from: i, count: 1, index: i, detail: (e as Error)?.stack, input: body });
            }
          },
        )
        .finally(() => (settled = true));
      const limit = ANNOUNCE_TIMEOUT_MS + 3000;
      await Promise.race([p, new Promise((r) => setTimeout(r, limit))]);
      fake!.plans.delete(i);
      if (!settled) {
        const message = `announce() did not settle within ${limit} ms (its timeout is ${ANNOUNCE_TIMEOUT_MS} ms) [fake tracker: ${mode} ${status}]`;
        ctx.report({ kind: 'hang', message, from: i, count: 1, index: i });
      } else if (Date.now() - t1 > limit) ctx.report({ kind: 'hang', message: `announce() took ${Date.now() - t1} ms`, from: i, count: 1, index: i });
    }),
};

function checkPeers(ctx: Ctx, i: number, peers: unknown, who: string): void {
  if (!Array.isArray(peers)) return ctx.report({ kind: 'exception', message: `${who} returned peers that are not an array`, from: i, count: 1, index: i });
  for (const p of peers) {
    if (!p || typeof p.ip !== 'string' || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      return ctx.report({ kind: 'exception', message: `${who} returned an unusable peer ${JSON.stringify(p)?.slice(0, 120)}`, from: i, count: 1, index: i });
    }
  }
}
