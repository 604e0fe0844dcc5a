// trackerpost: the tracker's batch routes and conditional catalog, live over HTTP:
// POST /announce-seeds (the body: 20-byte info-hashes; query peer_id, port, event, key), POST
// /catalog/batch (a bencoded list of { path, torrent }), GET /catalog with If-None-Match, and
// GET /announce with 20-digit counters. Seeded from valid requests, mutated as the other targets
// mutate. Every answer within 5 s; no 5xx (507 "full" aside); every 4xx says why; a 200 has the
// body its route promises; a 304 only for the tag just sent.
import { request as httpRequest } from 'node:http';
import { Ctx, note, pool, Target } from '../core';
import { Env } from '../live';
import { bencode, bparse, INTERESTING_NUMBERS, mutateBencode, mutateBytes, toNode } from '../mutate';
import { Rng } from '../rng';
import { peerId } from '../wireproto';

const pct = (b: Buffer) => [...b].map((c) => '%' + c.toString(16).padStart(2, '0')).join('');

type Answer = { status: number; body: Buffer; headers: Record<string, string | string[] | undefined> } | 'timeout' | { error: string };

function send(env: Env, method: string, path: string, body: Buffer | undefined, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const req = httpRequest(`${env.trackerBase}${path}`, { method, agent: false, headers }, (res) => {
      const got: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        if (n < 1 << 20) got.push(c);
        n += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got), headers: res.headers }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end(body);
  });
}

function counter(rng: Rng): string {
  return rng.pick([
    '0', '1', '99999999999999999999', '18446744073709551615', '18446744073709551616', '00000000000000000001', '9007199254740993',
    '123456789012345678901', '-1', '1e5', '', '+1', '%201', '%EF%BC%91', ...INTERESTING_NUMBERS,
  ]);
}

function seedsQuery(rng: Rng): string {
  const params: [string, string][] = [
    ['peer_id', pct(rng.chance(0.9) ? peerId(rng) : rng.bytes(rng.pick([0, 19, 21])))],
    ['port', rng.chance(0.8) ? String(rng.range(1, 65535)) : rng.pick(INTERESTING_NUMBERS)],
  ];
  if (rng.chance(0.7)) params.push(['event', rng.pick(['', 'started', 'completed', 'stopped', 'paused', 'STOPPED', 'started\0'])]);
  if (rng.chance(0.7)) params.push(['key', rng.chance(0.8) ? rng.bytes(4).toString('hex') : pct(rng.bytes(rng.pick([0, 1, 100, 300])))]);
  if (rng.chance(0.1)) params.push(['left', counter(rng)]);
  if (rng.chance(0.1)) params.push(['ip', rng.pick(['127.0.0.1', '::1', '256.0.0.1', ''])]);
  if (rng.chance(0.1)) params.splice(rng.int(params.length), 1);
  if (rng.chance(0.1)) params.push(rng.pick(params));
  return params.map(([k, v]) => `${k}=${v}`).join('&');
}

function seedsBody(rng: Rng, env: Env): Buffer {
  const n = rng.pick([0, 1, 1, 2, 3, 10, 100, 1000, 19_999, 20_000, 20_001]);
  const hashes = Array.from({ length: n }, () => (rng.chance(0.1) ? env.infoHash : rng.bytes(20)));
  let b: Buffer = Buffer.concat(hashes);
  if (rng.chance(0.15)) b = mutateBytes(b, rng, [env.infoHash], 2); // lengths off by one, flipped bits
  return b;
}

/** A valid batch: entries of the seeder's torrent and small torrents made of random bytes under their own paths. */
function batchBody(rng: Rng, env: Env, corpus: Buffer[]): Buffer {
  if (rng.chance(0.02)) return Buffer.concat([Buffer.from('l'), Buffer.alloc(4 * 1024 * 1024, 'i1e'), Buffer.from('e')]); // past the cap
  const n = rng.pick([0, 1, 1, 2, 5, 20, 1000, 1001]);
  const items = Array.from({ length: n }, (_, k) => {
    const torrent = n > 20 || rng.chance(0.8) ? rng.pick(corpus) : env.torrent;
    const item: Record<string, unknown> = { torrent };
    if (rng.chance(0.8)) item.path = rng.chance(0.8) ? `fuzzbatch/${rng.int(50)}/${k}/${nameOf(torrent) ?? 'x'}` : rng.pick(['', '../x', '/abs', 'a\0b', '.sta/x', 'x'.repeat(2000), 'é/ü']);
    return item;
  });
  const b = bencode(toNode(items));
  const r = rng.weighted([55, 30, 15]);
  if (r === 0) return b;
  if (r === 1) return mutateBencode(b, rng, corpus);
  return mutateBytes(b, rng, corpus, 3);
}

function nameOf(torrent: Buffer): string | undefined {
  const t = bparse(torrent);
  const info = t?.t === 'd' ? t.v.find(([k]) => k.toString() === 'info')?.[1] : undefined;
  const name = info?.t === 'd' ? info.v.find(([k]) => k.toString() === 'name')?.[1] : undefined;
  return name?.t === 's' ? name.v.toString('utf8') : undefined;
}

let corpus: Buffer[] = [];
let etag: string | undefined;

function ifNoneMatch(rng: Rng): string | undefined {
  const tag = etag ?? '"x"';
  return rng.pick([
    tag, tag, `W/${tag}`, `"nope", ${tag}`, '*', '', '"', tag.slice(1), `${tag}, *`, 'x'.repeat(rng.pick([100, 8000])),
    Array.from({ length: 500 }, () => tag).join(', '), tag.replace(/"/g, ''), `${tag}\t`, undefined as unknown as string,
  ]);
}

export const trackerPostTarget: Target = {
  name: 'trackerpost',
  setup: async (ctx) => {
    // small valid .torrents for batches: the torrent target's mutated corpus is not needed, a few made ones do
    const m = ctx.eng.metainfo;
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = join(ctx.env().tmp, 'trackerpost');
    mkdirSync(dir, { recursive: true });
    corpus = [];
    for (let k = 0; k < 6; k++) {
      const p = join(dir, `batch-${k}.bin`);
      writeFileSync(p, new Rng(ctx.seed, 'trackerpost-file', k).bytes(1000 + k * 7000));
      corpus.push((await m.createTorrent(p, { announce: ctx.env().announceUrl })).torrent!);
    }
  },
  runBatch: (ctx: Ctx, from, to) =>
    pool(ctx, from, to, 4, async (i) => {
      const env = ctx.env();
      const rng = new Rng(ctx.seed, 'trackerpost', i);
      const kind = rng.pick(['seeds', 'seeds', 'batch', 'batch', 'etag', 'counters'] as const);
      let method = 'GET';
      let path: string;
      let body: Buffer | undefined;
      const headers: Record<string, string> = {};
      if (kind === 'seeds') {
        method = rng.chance(0.95) ? 'POST' : rng.pick(['GET', 'PUT', 'HEAD']);
        path = `/announce-seeds?${seedsQuery(rng)}`;
        body = seedsBody(rng, env);
      } else if (kind === 'batch') {
        method = rng.chance(0.95) ? 'POST' : rng.pick(['GET', 'PUT']);
        path = rng.chance(0.95) ? '/catalog/batch' : rng.pick(['/catalog/batch/', '/catalog/batch?path=x', '/catalog/BATCH']);
        body = batchBody(rng, env, corpus);
      } else if (kind === 'etag') {
        path = '/catalog';
        const h = ifNoneMatch(rng);
        if (h !== undefined) headers['If-None-Match'] = h;
      } else {
        const q = [
          `info_hash=${pct(rng.chance(0.3) ? env.infoHash : rng.bytes(20))}`,
          `peer_id=${pct(peerId(rng))}`,
          `port=${rng.range(1, 65535)}`,
          `uploaded=${counter(rng)}`,
          `downloaded=${counter(rng)}`,
          `left=${counter(rng)}`,
          'compact=1',
        ];
        if (rng.chance(0.5)) q.push(`event=${rng.pick(['started', 'completed', 'stopped', ''])}`);
        path = `/announce?${q.join('&')}`;
      }
      if (body && rng.chance(0.05)) headers['Content-Length'] = rng.pick(['0', String(body.length + 1), '99999999']);
      if (body && !headers['Content-Length']) headers['Content-Length'] = String(body.length);
      if (body && headers['Content-Length'] !== String(body.length)) headers.Connection = 'close';
      ctx.stats.connections++;
      // a Content-Length past the body is a request the server may wait on: it must still end it (its own timeout) or we do
      const lying = body !== undefined && headers['Content-Length'] !== String(body.length);
      const r = await send(env, method, path, body, headers, lying ? 1500 : 5000);
      if (r === 'timeout') {
        if (lying) return note(ctx, 'lying length: timed out');
        return ctx.report({ kind: 'hang', message: `${method} ${path.slice(0, 60)} (${body?.length ?? 0} bytes) not answered within 5 s`, from: i, count: 1, index: i });
      }
      if ('error' in r) {
        // a body past the route's cap (or any body where none is taken) may be cut off with the 413/405 unread
        if (env.tracker.exited || lying || ((body?.length ?? 0) > 1 << 20 && /EPIPE|ECONNRESET/.test(r.error))) return note(ctx, `cut off: ${r.error}`);
        return ctx.report({ kind: 'protocol', message: `${kind}: ${method} failed without an answer: ${r.error}`, from: i, count: 1, index: i, input: body });
      }
      note(ctx, `${kind} HTTP ${r.status}`);
      const text = r.body.toString('utf8');
      if (r.status >= 500 && !(r.status === 507 && /full/.test(text))) {
        return ctx.report({ kind: 'http-5xx', message: `${kind}: ${method} ${path.slice(0, 80)} answered ${r.status}: ${text.slice(0, 300)}`, from: i, count: 1, index: i, input: body });
      }
      if (r.status >= 400 && r.status < 500 && method !== 'HEAD' && r.body.length === 0) {
        return ctx.report({ kind: 'protocol', message: `${kind}: ${r.status} without a reason`, from: i, count: 1, index: i, input: body });
      }
      if (r.status !== 200 && r.status !== 304) return;
      const bad = (why: string) => ctx.report({ kind: 'protocol', message: `${kind}: 200 ${why}: ${JSON.stringify(text.slice(0, 200))}`, from: i, count: 1, index: i, input: body });
      if (kind === 'seeds' && method === 'POST') {
        const d = bparse(r.body);
        const lists = ['unknown', 'later', 'wanted'].map((k) => (d?.t === 'd' ? d.v.find(([x]) => x.toString() === k)?.[1] : undefined));
        if (!d || d.t !== 'd' || lists.some((l) => !l || l.t !== 's' || l.v.length % 20 !== 0 || l.v.length > (body?.length ?? 0))) bad('is not a seeds answer');
      } else if (kind === 'batch' && method === 'POST') {
        let results: unknown;
        try {
          results = JSON.parse(text).results;
        } catch {
          results = undefined;
        }
        if (!Array.isArray(results) || results.some((x: { status?: unknown }) => typeof x?.status !== 'number' || x.status >= 500 && x.status !== 507)) bad('is not a batch answer');
        else note(ctx, 'batch entries', results.length);
      } else if (kind === 'etag') {
        const tag = r.headers.etag;
        if (typeof tag !== 'string' || !tag) return bad(`(${r.status}) carries no ETag`);
        if (r.status === 304 && r.body.length) bad('304 with a body');
        if (r.status === 200) {
          try {
            if (!Array.isArray(JSON.parse(text).files)) bad('has no files array');
          } catch {
            bad('is not JSON');
          }
        }
        etag = tag;
      }
    }),
};
