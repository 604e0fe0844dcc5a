// An update's starting point: the older file already at the target (a previous download, or the same
// path in the user's own workspace), or an older folder's files (folderUpdate.ts). Its pieces that match
// the new hashes — piece i against hash i, the in-place-change case — are copied into the partial file
// instead of being fetched from peers.
import { constants as C, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Bitfield } from '../bitfield';
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import { pieceSize } from '../pieces';
import type { PartialFile } from './partialFile';
import { readFull } from './pieceFile';

/** What makes "the same file" for an update: the old file is replaced only while all four still hold. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface LocalCopy {
  path: string;
  /** read-only, opened without following a symlink */
  handle: FileHandle;
  /** the file as it was when it was checked */
  identity: FileIdentity;
  /** pieces already found to match (a same-size file was hashed whole); absent: every piece both files hold is tried */
  matches?: Bitfield;
}

export const identityOf = (st: Stats): FileIdentity => ({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });

export function sameFile(st: FileIdentity | Stats, id: FileIdentity): boolean {
  return st.dev === id.dev && st.ino === id.ino && st.size === id.size && st.mtimeMs === id.mtimeMs;
}

/** Opens the regular file at `file` read-only (never through a symlink) and notes what it is now. */
export async function openLocalCopy(file: string): Promise<LocalCopy> {
  const handle = await fsp.open(file, C.O_RDONLY | C.O_NOFOLLOW);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    return { path: file, handle, identity: identityOf(st) };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Where an update's older bytes come from, read at the new version's offsets: one file, or a folder's files. */
export interface ReuseSource {
  /** named in the log */
  path: string;
  /** whether piece `index` of the new version is worth reading here (the older data reaches that far) */
  covers(index: number): boolean;
  /** reads `buf.length` bytes at `position` of the new version; throws if the older data ends early */
  read(buf: Buffer, position: number): Promise<void>;
  /** piece `index` was read here, matched its hash and was written into the download */
  reused?(index: number): void;
}

/** One older file as a source: piece i is read at piece i's offset. */
export function fileSource(copy: LocalCopy, meta: Metainfo): ReuseSource {
  return {
    path: copy.path,
    covers: (i) => !(copy.matches && !copy.matches.has(i)) && i * meta.pieceLength + pieceSize(meta, i) <= copy.identity.size,
    read: (buf, position) => readFull(copy.handle, buf, position),
  };
}

export interface ReuseOptions {
  /** pieces read ahead while others are hashed: the hasher's workers plus one */
  lanes: number;
  /** a piece of `bytes` was copied (verified and written) */
  onReused: (bytes: number) => void;
  onProgress?: (checkedBytes: number, total: number) => void;
  /** the old file could not be read (it shrank or went away meanwhile): reuse stops there, peers give the rest */
  onReadError?: (e: Error) => void;
  signal?: AbortSignal;
}

/**
 * Copies every piece of `copy` that `meta` wants and `have` lacks into the download, through `write`
 * (the store's own verify-then-write: a piece is kept only if its SHA-1 matches, so a file changed
 * while it is read costs a download, never a bad piece). Pieces the older data does not cover are
 * left to the peers. Memory: one piece buffer per lane. Returns the bytes reused.
 */
export async function reusePieces(
  copy: ReuseSource,
  meta: Metainfo,
  have: Bitfield,
  write: (index: number, buf: Buffer, recycle: (buf: Buffer) => void) => Promise<boolean>,
  opts: ReuseOptions,
): Promise<number> {
  const wanted: number[] = [];
  let total = 0;
  for (let i = 0; i < meta.pieceCount; i++) {
    const size = pieceSize(meta, i);
    if (have.has(i) || !copy.covers(i)) continue;
    wanted.push(i);
    total += size;
  }
  let next = 0;
  let checked = 0;
  let reused = 0;
  const lane = async () => {
    let spare: Buffer | undefined;
    while (next < wanted.length) {
      opts.signal?.throwIfAborted();
      const index = wanted[next++];
      const size = pieceSize(meta, index);
      // a buffer that owns its memory goes to the hash worker and back without a copy
      const buf = spare?.length === size ? spare : Buffer.allocUnsafeSlow(size);
      spare = undefined;
      try {
        await copy.read(buf, index * meta.pieceLength);
      } catch (e) {
        if (next < wanted.length + 1) opts.onReadError?.(e as Error); // once, not once per lane
        next = wanted.length + 1;
        return;
      }
      if (await write(index, buf, (b) => (spare = b))) {
        reused += size;
        copy.reused?.(index);
        opts.onReused(size);
      }
      checked += size;
      opts.onProgress?.(checked, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.lanes, wanted.length)) }, lane));
  return reused;
}

export interface ReuseIntoOptions {
  lanes: number;
  log: Logger;
  onProgress?: (checkedBytes: number, total: number) => void;
  signal?: AbortSignal;
}

/** reusePieces into a download's partial file: the bytes reused are counted in its resume data, and logged. */
export async function reuseInto(
  copy: ReuseSource,
  meta: Metainfo,
  partial: PartialFile,
  write: (index: number, buf: Buffer, recycle: (buf: Buffer) => void) => Promise<boolean>,
  opts: ReuseIntoOptions,
): Promise<void> {
  const reused = await reusePieces(copy, meta, partial.have, write, {
    lanes: opts.lanes,
    onReused: (bytes) => (partial.reusedBytes += bytes),
    onProgress: opts.onProgress,
    onReadError: (e) => opts.log.warn(`${copy.path}: stopped reusing it (${e.message}); the rest comes from peers`),
    signal: opts.signal,
  });
  const missing = meta.pieceCount - partial.have.count;
  opts.log.info(`${copy.path}: ${reused} bytes reused for its update; ${missing} of ${meta.pieceCount} pieces to fetch`);
}
