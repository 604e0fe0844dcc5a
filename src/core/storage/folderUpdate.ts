// A folder torrent's update: the older folder already at the target (an earlier version of the same
// catalog path, or the user's own folder there). Each file of the new version found at its path lends its
// bytes to the pieces it covers, read at the new layout's offsets (a piece is kept only if its SHA-1
// matches). Once the new version is complete its files replace the older ones in place — but only if every
// older file is still as it was checked and nothing else took a new file's path; otherwise the folder is
// left as it is and the new version goes beside it. A file whose older version already holds its bytes
// (same length, every piece it is in vouched for) is not written again: it keeps its modification time, so a
// watcher sees only the files that changed. Files the new version no longer has are left where they are: the folder
// may hold the user's own files too.
import { constants as C, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../bitfield';
import type { Metainfo } from '../metainfo';
import { pieceHash, pieceSize } from '../pieces';
import { type FileSpan, spansOf } from '../torrentFiles';
import type { Hasher } from './hasher';
import { type FileIdentity, identityOf, type ReuseSource, sameFile } from './localCopy';
import { COPY_CHUNK, readFull, writeNewFile } from './pieceFile';
import { placeFinal, replaceFinal } from './placement';
import { folderInside, NotAFolderError, PathError } from './safePath';
import type { PositionalFile } from './seedFile';

/** What is at one new file's path in the older folder: the older file as checked, nothing, or something else (a folder, a link). */
export type OlderPath = FileIdentity | 'free' | 'taken';

/** The older folder as the new version's files see it. */
export interface FolderCopy {
  root: string;
  /** by index in the new version's file list */
  olds: OlderPath[];
  /** the pieces read from the older files in this run (others are checked again before a file is kept) */
  fromOlder: Bitfield;
}

async function olderPathOf(root: string, relPath: string): Promise<OlderPath> {
  let where;
  try {
    where = await folderInside(root, relPath);
  } catch (e) {
    if (e instanceof PathError || e instanceof NotAFolderError) return 'taken'; // a link, or a file where a folder must be
    throw e;
  }
  if (!where.exists) return 'free';
  const st = await fsp.lstat(path.join(where.folder, where.name)).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (!st) return 'free';
  return st.isFile() ? identityOf(st) : 'taken';
}

/** Notes what is at each of `meta`'s file paths in `root` now. */
export async function openFolderCopy(root: string, meta: Metainfo): Promise<FolderCopy> {
  const olds: OlderPath[] = [];
  for (const f of meta.files) olds.push(await olderPathOf(root, f.path));
  return { root, olds, fromOlder: new Bitfield(meta.pieceCount) };
}

const pieceSpans = (meta: Metainfo, index: number) => spansOf(meta.files, index * meta.pieceLength, pieceSize(meta, index));

/** The older files as a source of pieces: a piece is read only where every file it covers is there and long enough. */
export function folderSource(copy: FolderCopy, meta: Metainfo): ReuseSource {
  const reaches = (s: FileSpan) => {
    const old = copy.olds[s.file];
    return typeof old === 'object' && old.size >= s.fileOffset + s.length;
  };
  return {
    path: copy.root,
    covers: (index) => pieceSpans(meta, index).every(reaches),
    reused: (index) => copy.fromOlder.set(index),
    read: async (buf, position) => {
      let at = 0;
      for (const s of spansOf(meta.files, position, buf.length)) {
        await readOlder(copy.root, meta.files[s.file].path, buf.subarray(at, at + s.length), s.fileOffset);
        at += s.length;
      }
    },
  };
}

const same = (now: OlderPath, then: OlderPath) => (typeof then === 'object' ? typeof now === 'object' && sameFile(now, then) : now === then);

/**
 * Writes the complete new version from `part` into the older folder (`copy.root`, which is `relPath` in
 * `dir`): each file (of `only`, when given) first to `scratch`, then renamed over its older version or
 * linked to its free path. False, with nothing written, when the folder is no longer as it was checked
 * (or a path is taken by a folder or a link). Throws if a file changes while the new ones go in.
 */
export async function replaceFolderFiles(
  part: PositionalFile,
  dir: string,
  relPath: string,
  meta: Metainfo,
  copy: FolderCopy,
  scratch: string,
  hasher: Hasher,
  only?: Set<number>,
): Promise<boolean> {
  const files = [...meta.files.entries()].filter(([i]) => !only || only.has(i));
  for (const [i, f] of files) {
    const then = copy.olds[i];
    if (then === 'taken' || !same(await olderPathOf(copy.root, f.path), then)) return false;
  }
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(COPY_CHUNK, meta.length)));
  for (const [i, f] of files) {
    if (await olderHolds(copy, meta, i, part, hasher)) continue;
    await fsp.rm(scratch, { force: true }); // one left by a crash
    await writeNewFile(scratch, part, f.offset, f.length, buf, 'the partial file');
    const planned = path.join(copy.root, ...f.path.split('/'));
    const rel = `${relPath}/${f.path}`;
    const old = copy.olds[i];
    const final = typeof old === 'object' ? await replaceFinal(scratch, dir, rel, planned, old) : await placeFinal(scratch, dir, rel, planned);
    if (final !== planned) throw new Error(`${planned} changed while its update was being written; its new version is at ${final}`);
  }
  return true;
}

/**
 * File `i`'s older version holds the new bytes already: it has their length, and each piece the file is in
 * either came from the older files or, rebuilt from this file's older bytes and the download's bytes of the
 * other files in it (a piece it shares with a changed neighbour), matches its hash.
 */
async function olderHolds(copy: FolderCopy, meta: Metainfo, i: number, part: PositionalFile, hasher: Hasher): Promise<boolean> {
  const old = copy.olds[i];
  const f = meta.files[i];
  if (typeof old !== 'object' || old.size !== f.length) return false;
  if (f.length === 0) return true;
  const last = Math.floor((f.offset + f.length - 1) / meta.pieceLength);
  for (let p = Math.floor(f.offset / meta.pieceLength); p <= last; p++) {
    if (copy.fromOlder.has(p)) continue;
    const buf = Buffer.allocUnsafeSlow(pieceSize(meta, p));
    let at = 0;
    for (const s of pieceSpans(meta, p)) {
      const view = buf.subarray(at, at + s.length);
      if (s.file === i) await readOlder(copy.root, f.path, view, s.fileOffset);
      else await readFull(part, view, p * meta.pieceLength + at);
      at += s.length;
    }
    const { digest } = await hasher.sha1(buf); // (buf is the worker's now)
    if (!digest.equals(pieceHash(meta.pieceHashes, p))) return false;
  }
  return true;
}

/** Bytes of the older file at `relPath` in `root` (no link on the way, none at the file). */
async function readOlder(root: string, relPath: string, into: Buffer, position: number): Promise<void> {
  const { folder, name } = await folderInside(root, relPath);
  const handle = await fsp.open(path.join(folder, name), C.O_RDONLY | C.O_NOFOLLOW);
  try {
    await readFull(handle, into, position);
  } finally {
    await handle.close();
  }
}
