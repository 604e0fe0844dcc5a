// torrent: mutated .torrent files (from createTorrent in-process and `sta create`) into
// parseTorrent (only MetainfoError/BencodeError, bounded time, sane results) and POSTed to the
// live tracker's catalog (2xx/4xx only, in time, and agreeing with parseTorrent).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Ctx, note, pool, Target } from '../core';
import { bencodeGarbage, mutateBencode, mutateBytes } from '../mutate';
import { fillDeterministic, Rng } from '../rng';

let corpus: Buffer[] = [];

const SIZES = [1, 100, 16383, 16384, 16385, 100_000, 1_048_579, 3 * 1024 * 1024 + 7];

async function buildCorpus(ctx: Ctx): Promise<Buffer[]> {
  const env = ctx.env();
  const dir = join(env.tmp, 'torrent-base');
  mkdirSync(dir, { recursive: true });
  const out: Buffer[] = [env.torrent];
  for (const [k, size] of SIZES.entries()) {
    const p = join(dir, `base-${k}.bin`);
    const b = Buffer.allocUnsafe(size);
    fillDeterministic(b, ctx.seed + k);
    writeFileSync(p, b);
    const m = await ctx.eng.metainfo.createTorrent(p, {
      announce: k % 2 ? env.announceUrl : undefined,
      announceList: k % 3 === 0 ? [[env.announceUrl, 'http://127.0.0.1:1/announce'], ['http://127.0.0.1:2/announce']] : undefined,
      pieceLength: k % 4 === 1 ? 65536 : undefined,
      private: k % 4 === 2,
      comment: k % 2 ? 'fuzz corpus é' : undefined,
      name: k === 5 ? 'déjà vu/../x.bin' : undefined,
    });
    out.push(m.torrent);
  }
  // and one from the CLI under test
  const src = join(dir, 'cli.bin');
  const b = Buffer.allocUnsafe(300_001);
  fillDeterministic(b, ctx.seed + 99);
  writeFileSync(src, b);
  const outPath = join(dir, 'cli.torrent');
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [env.cli, 'create', src, '--tracker', env.announceUrl, '--tracker', 'http://127.0.0.1:3/announce', '-o', outPath],
      { timeout: 30_000 },
      (e) => (e ? reject(e) : resolve()),
    ),
  );
  out.push(readFileSync(outPath));
  return out;
}

const HOSTILE_PATHS = [
  '', '/', '../../etc/passwd', 'a/../../b', 'C:\\x', '\0', 'a\0b', '.', 'a//b', '%', '%00', 'é/ü.bin',
  'x'.repeat(1025), 'x'.repeat(5000), ' ', '\\\\srv\\share', 'a/./b', '\u202e.bin',
];

export function genTorrent(rng: Rng, c: Buffer[]): Buffer {
  const base = rng.pick(c);
  const r = rng.weighted([55, 25, 10, 5, 5]);
  if (r === 0) return mutateBencode(base, rng, c);
  if (r === 1) return mutateBytes(base, rng, c);
  if (r === 2) return mutateBytes(mutateBencode(base, rng, c), rng, c, 2);
  if (r === 3) return rng.chance(0.5) ? base : bencodeGarbage(rng);
  return Buffer.concat([base, rng.bytes(rng.range(1, 10))]);
}

function post(url: string, body: Buffer, timeoutMs: number): Promise<{ status: number; body: string } | 'timeout' | { error: string }> {
  return new Promise((resolve) => {
    const headers = { 'Content-Type': 'application/x-bittorrent', 'Content-Length': String(body.length) };
    const req = httpRequest(url, { method: 'POST', agent: false, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        if (text.length < 4096) text += c.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
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

export const torrentTarget: Target = {
  name: 'torrent',
  setup: async (ctx) => {
    corpus = await buildCorpus(ctx);
  },
  runBatch: (ctx, from, to) =>
    pool(ctx, from, to, 6, async (i) => {
      const rng = new Rng(ctx.seed, 'torrent', i);
      const t = genTorrent(rng, corpus);
      const { MetainfoError } = ctx.eng.metainfo;
      const { BencodeError } = ctx.eng.bencode;
      // in-process
      let parsedOk = false;
      const t0 = performance.now();
      try {
        const m = ctx.eng.metainfo.parseTorrent(t);
        parsedOk = true;
        const bad: string[] = [];
        if (!(m.length > 0) || !Number.isSafeInteger(m.length)) bad.push(`length ${m.length}`);
        if (m.pieceLength < 16384 || (m.pieceLength & (m.pieceLength - 1)) !== 0) bad.push(`piece length ${m.pieceLength}`);
        if (m.pieceCount !== Math.ceil(m.length / m.pieceLength)) bad.push(`piece count ${m.pieceCount}`);
        if (m.pieceHashes.length !== m.pieceCount * 20) bad.push(`pieces ${m.pieceHashes.length}`);
        if (typeof m.name !== 'string' || m.name.length === 0) bad.push('name');
        if (m.infoHash.length !== 20) bad.push('info-hash');
        const badTier = (tier: unknown) => !Array.isArray(tier) || tier.some((u) => typeof u !== 'string');
        if (!Array.isArray(m.announceList) || m.announceList.some(badTier)) bad.push('announce-list');
        if (bad.length) {
          const message = `parseTorrent accepted an inconsistent torrent: ${bad.join(', ')}`;
          ctx.report({ kind: 'exception', message, from: i, count: 1, index: i, input: t });
        }
        note(ctx, 'parsed ok');
      } catch (e) {
        if (!(e instanceof MetainfoError) && !(e instanceof BencodeError)) {
          const message = `parseTorrent threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
          ctx.report({ kind: 'exception', message, from: i, count: 1, index: i, detail: (e as Error)?.stack, input: t });
        }
      }
      const ms = performance.now() - t0;
      if (ms > 1000) ctx.report({ kind: 'hang', message: `parseTorrent took ${ms.toFixed(0)} ms on ${t.length} bytes`, from: i, count: 1, index: i, input: t });

      // live tracker
      const env = ctx.env();
      const path = rng.chance(0.7) ? `fuzz/${i}.bin` : rng.pick(HOSTILE_PATHS);
      ctx.stats.connections++;
      const r = await post(`${env.trackerBase}/catalog?path=${encodeURIComponent(path)}`, t, 5000);
      if (r === 'timeout') {
        return ctx.report({ kind: 'hang', message: `POST /catalog (${t.length} bytes) not answered within 5 s`, from: i, count: 1, index: i });
      }
      if ('error' in r) {
        if (env.tracker.exited) return;
        return ctx.report({ kind: 'protocol', message: `POST /catalog failed without an answer: ${r.error}`, from: i, count: 1, index: i });
      }
      note(ctx, `HTTP ${r.status}`);
      if (r.status >= 500 && !(r.status === 507 && /full/.test(r.body))) {
        return ctx.report({ kind: 'http-5xx', message: `POST /catalog answered ${r.status}: ${r.body.slice(0, 300)}`, from: i, count: 1, index: i, input: t });
      }
      if (r.status === 507) return;
      const accepted = r.status === 200 || r.status === 201;
      // the catalog may refuse a parseable torrent by policy (unsafe name, path not ending in the name,
      // size, per-address caps: 4xx), but must never publish one the parser refuses
      const policyRefusal = !accepted && parsedOk && r.status >= 400 && r.status < 500;
      if (accepted !== parsedOk && !policyRefusal) {
        const message = `parseTorrent ${parsedOk ? 'accepts' : 'rejects'} it but the tracker answered ${r.status}: ${r.body.slice(0, 200)}`;
        ctx.report({ kind: 'disagree', message, from: i, count: 1, index: i, input: t });
      }
    }),
};
