// multifile: multi-file .torrents (BEP 3 `files`) made by createFolderTorrent from seeded folders,
// mutated generically (bencode and bytes) and in their file list (hostile path parts, lengths,
// depth, duplicates, case twins, a file where a folder must be), into parseTorrent in-process.
// Every result is a MetainfoError/BencodeError, or a Metainfo whose every file path passes
// safeParts (and holds no `..`, `.`, empty part, backslash or NUL, no case twins), whose
// offsets add up to its length, and whose spansOf covers any piece exactly. In < 1 s each.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as FolderTorrentModule from '../../../src/core/folderTorrent';
import type * as SafePathModule from '../../../src/core/storage/safePath';
import type * as TorrentFilesModule from '../../../src/core/torrentFiles';
import { Ctx, note, pool, Target } from '../core';
import { SRC } from '../inproc';
import { BNode, bencode, bparse, INTERESTING_NUMBERS, mutateBencode, mutateBytes } from '../mutate';
import { fillDeterministic, Rng } from '../rng';

let corpus: Buffer[] = [];
let safePath: typeof SafePathModule;
let torrentFiles: typeof TorrentFilesModule;

/** folders as [relative path, size] lists: nesting, empty files, unicode, one file, many small ones */
const LAYOUTS: [string, number][][] = [
  [['a.txt', 10], ['b/c.bin', 70_000], ['b/d/e.bin', 1], ['z', 0]],
  [['only.bin', 40_000]],
  [['déjà/vu.txt', 5], ['Ünï/çode €.md', 33_000], ['x/y/z/w/v/u.bin', 16_384]],
  Array.from({ length: 40 }, (_, k) => [`f${k % 7}/g${k}.dat`, (k * 977) % 5000] as [string, number]),
  [['empty1', 0], ['empty2', 0], ['data/big.bin', 300_001]],
];

async function buildCorpus(ctx: Ctx): Promise<Buffer[]> {
  const { createFolderTorrent } = require(join(SRC, 'core/folderTorrent')) as typeof FolderTorrentModule;
  const out: Buffer[] = [];
  for (const [k, layout] of LAYOUTS.entries()) {
    const root = join(ctx.env().tmp, `multifile-${k}`, `folder${k}`);
    for (const [rel, size] of layout) {
      const p = join(root, rel);
      mkdirSync(join(p, '..'), { recursive: true });
      const b = Buffer.allocUnsafe(size);
      fillDeterministic(b, ctx.seed + k * 1000 + size);
      writeFileSync(p, b);
    }
    const m = await createFolderTorrent(root, { announce: k % 2 ? ctx.env().announceUrl : undefined, pieceLength: k === 3 ? 16_384 : undefined });
    out.push(m.torrent!);
  }
  return out;
}

const HOSTILE_PARTS = [
  '', '.', '..', '...', '/', 'a/b', 'a\\b', '\\', 'C:', 'C:\\x', '\0', 'a\0b', '.sta', '.STA', 'CON', 'nul.txt', 'aux', 'x.', 'x ',
  ' ', '~', '%2e%2e', '\u202e.bin', 'é', 'e\u0301', 'A.TXT', 'a.txt', '\n', 'x'.repeat(255), 'x'.repeat(256), 'é'.repeat(128), '<>:"|?*',
];

const buf = (s: string) => Buffer.from(s, 'utf8');
const get = (n: BNode | undefined, key: string) => (n?.t === 'd' ? n.v.find(([k]) => k.toString('latin1') === key) : undefined);

/** Mutates the `files` list (and keeps `pieces` the right length, now and then, so more gets past the first checks). */
function mutateFiles(t: Buffer, rng: Rng): Buffer {
  const top = bparse(t);
  const info = get(top, 'info')?.[1];
  const files = get(info, 'files')?.[1];
  if (!top || !info || info.t !== 'd' || !files || files.t !== 'l' || files.v.length === 0) return t;
  const ops = rng.range(1, 4);
  for (let k = 0; k < ops && files.v.length > 0; k++) {
    const f = rng.pick(files.v);
    const path = get(f, 'path')?.[1];
    const len = get(f, 'length');
    switch (rng.int(11)) {
      case 0: // a hostile part
        if (path?.t === 'l' && path.v.length) path.v[rng.int(path.v.length)] = { t: 's', v: buf(rng.pick(HOSTILE_PARTS)) };
        break;
      case 1: // a hostile length
        if (len) len[1] = { t: 'i', v: rng.pick([...INTERESTING_NUMBERS, '0', '-1', '9007199254740991', '4503599627370496']) };
        break;
      case 2: // deeper (up to past MAX_DEPTH)
        if (path?.t === 'l') path.v.unshift(...Array.from({ length: rng.pick([1, 5, 31, 32, 33, 200]) }, () => ({ t: 's', v: buf('d') }) as BNode));
        break;
      case 3: // a duplicate or a case twin
        {
          const twin = bparse(bencode(f));
          const tp = get(twin, 'path')?.[1];
          if (tp?.t === 'l') tp.v = tp.v.map((p) => (p.t === 's' ? { t: 's', v: buf(p.v.toString('utf8').toUpperCase()) } : p));
          if (twin) files.v.push(rng.chance(0.5) ? f : twin);
        }
        break;
      case 4: // a file where another's folder must be: path = a prefix of another's path
        if (path?.t === 'l' && path.v.length > 1) files.v.push({ t: 'd', v: [[buf('length'), { t: 'i', v: '1' }], [buf('path'), { t: 'l', v: path.v.slice(0, 1) }]] });
        break;
      case 5: // an empty path, a path that is not a list, a part that is not a string
        if (path) {
          const node: BNode = rng.pick<BNode>([{ t: 'l', v: [] }, { t: 's', v: buf('a/b') }, { t: 'l', v: [{ t: 'i', v: '1' }] }, { t: 'l', v: [{ t: 'l', v: [] }] }]);
          const p = get(f, 'path');
          if (p) p[1] = node;
        }
        break;
      case 6: // drop an entry, or every entry
        if (rng.chance(0.8)) files.v.splice(rng.int(files.v.length), 1);
        else files.v.length = 0;
        break;
      case 7: // both length and files in info
        info.v.push([buf('length'), { t: 'i', v: String(rng.int(100000)) }]);
        break;
      case 8: // many files
        for (let j = rng.pick([10, 100, 2000]); j > 0; j--) files.v.push({ t: 'd', v: [[buf('length'), { t: 'i', v: String(rng.int(3)) }], [buf('path'), { t: 'l', v: [buf(`m${j}`)].map((v) => ({ t: 's', v }) as BNode) }]] });
        break;
      case 9: // a name that is itself hostile
        {
          const name = get(info, 'name');
          if (name) name[1] = { t: 's', v: buf(rng.pick(HOSTILE_PARTS)) };
        }
        break;
      default: // `path.utf-8` beside `path`, or path parts in another encoding
        if (path?.t === 'l') f.t === 'd' && f.v.push([buf('path.utf-8'), { t: 'l', v: [{ t: 's', v: buf(rng.pick(HOSTILE_PARTS)) }] }]);
        if (path?.t === 'l' && path.v.length && rng.chance(0.5)) path.v[0] = { t: 's', v: Buffer.from([0xff, 0xfe, 0x2e, 0x2e]) };
    }
  }
  // pieces: the right count for the new total, so that the file list itself is what gets judged
  if (rng.chance(0.7)) {
    let total = 0;
    for (const f of files.v) {
      const l = get(f, 'length')?.[1];
      if (l?.t === 'i' && /^[0-9]{1,15}$/.test(l.v)) total += Number(l.v);
    }
    const pl = get(info, 'piece length')?.[1];
    const pieceLength = pl?.t === 'i' ? Number(pl.v) : 16384;
    const count = pieceLength > 0 ? Math.ceil(total / pieceLength) : 0;
    const pieces = get(info, 'pieces');
    if (pieces && count <= 200_000) pieces[1] = { t: 's', v: rng.bytes(count * 20) };
  }
  return bencode(top);
}

function genMultifile(rng: Rng): Buffer {
  const base = rng.pick(corpus);
  switch (rng.weighted([50, 25, 15, 10])) {
    case 0:
      return mutateFiles(base, rng);
    case 1:
      return mutateBencode(base, rng, corpus);
    case 2:
      return mutateBytes(rng.chance(0.5) ? base : mutateFiles(base, rng), rng, corpus, 2);
    default:
      return rng.chance(0.2) ? base : mutateFiles(mutateFiles(base, rng), rng);
  }
}

/** What must hold of an accepted multi-file torrent; the broken rules. */
function checkFiles(m: { name: string; length: number; pieceLength: number; pieceCount: number; files: { path: string; length: number; offset: number }[] }, rng: Rng): string[] {
  const bad: string[] = [];
  if (!Array.isArray(m.files) || m.files.length === 0) return ['no files'];
  let at = 0;
  const folded = new Set<string>();
  for (const [k, f] of m.files.entries()) {
    if (!Number.isSafeInteger(f.length) || f.length < 0) bad.push(`file ${k} length ${f.length}`);
    if (f.offset !== at) bad.push(`file ${k} offset ${f.offset}, expected ${at}`);
    at += f.length;
    try {
      safePath.safeParts(f.path, 'linux');
    } catch (e) {
      bad.push(`file ${k} path ${JSON.stringify(f.path)} fails safeParts: ${(e as Error).message}`);
    }
    if (f.path.split('/').some((p) => p === '..' || p === '.' || p === '' || p.includes('\\') || p.includes('\0'))) bad.push(`file ${k} path ${JSON.stringify(f.path)}`);
    const key = f.path.normalize('NFC').toLowerCase();
    if (folded.has(key)) bad.push(`file ${k} path ${JSON.stringify(f.path)} twice (case-folded)`);
    folded.add(key);
  }
  for (const f of m.files) {
    const parts = f.path.normalize('NFC').toLowerCase().split('/');
    for (let j = 1; j < parts.length; j++) if (folded.has(parts.slice(0, j).join('/'))) bad.push(`${JSON.stringify(f.path)} lies under a file`);
  }
  if (at !== m.length) bad.push(`files add up to ${at}, length is ${m.length}`);
  // any piece's spans cover it exactly, inside the files
  if (m.pieceCount > 0) {
    const piece = rng.int(m.pieceCount);
    const pos = piece * m.pieceLength;
    const len = Math.min(m.pieceLength, m.length - pos);
    try {
      const spans = torrentFiles.spansOf(m.files, pos, len);
      let sum = 0;
      for (const s of spans) {
        const f = m.files[s.file];
        if (!f || s.fileOffset < 0 || s.length <= 0 || s.fileOffset + s.length > f.length) bad.push(`piece ${piece}: span ${JSON.stringify(s)} outside its file`);
        sum += s.length;
      }
      if (sum !== len) bad.push(`piece ${piece}: spans cover ${sum} of ${len} bytes`);
    } catch (e) {
      bad.push(`spansOf(piece ${piece}) threw ${(e as Error).message}`);
    }
  }
  return bad;
}

function safe(p: string, platform: NodeJS.Platform): boolean {
  try {
    safePath.safeParts(p, platform);
    return true;
  } catch {
    return false;
  }
}

export const multifileTarget: Target = {
  name: 'multifile',
  setup: async (ctx) => {
    safePath = require(join(SRC, 'core/storage/safePath'));
    torrentFiles = require(join(SRC, 'core/torrentFiles'));
    corpus = await buildCorpus(ctx);
  },
  runBatch: (ctx, from, to) =>
    pool(ctx, from, to, 1, async (i) => {
      const rng = new Rng(ctx.seed, 'multifile', i);
      const t = genMultifile(rng);
      const { MetainfoError } = ctx.eng.metainfo;
      const { BencodeError } = ctx.eng.bencode;
      const t0 = performance.now();
      try {
        const m = ctx.eng.metainfo.parseTorrent(t);
        const bad = checkFiles(m, rng);
        // Windows rules are the platform's (safeParts on win32 refuses these): counted, not a finding on Linux
        if (m.files.some((f) => !safe(f.path, 'win32'))) note(ctx, 'accepted, not Windows-safe');
        if (bad.length) ctx.report({ kind: 'exception', message: `parseTorrent accepted a bad file list: ${bad.slice(0, 3).join('; ')}`, from: i, count: 1, index: i, input: t });
        note(ctx, m.files.length > 1 ? 'accepted multi' : 'accepted one');
      } catch (e) {
        if (!(e instanceof MetainfoError) && !(e instanceof BencodeError)) {
          const message = `parseTorrent threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
          ctx.report({ kind: 'exception', message, from: i, count: 1, index: i, detail: (e as Error)?.stack, input: t });
        } else note(ctx, 'refused');
      }
      const ms = performance.now() - t0;
      if (ms > 1000) ctx.report({ kind: 'hang', message: `parseTorrent took ${ms.toFixed(0)} ms on ${t.length} bytes`, from: i, count: 1, index: i, input: t });
      if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    }),
};
