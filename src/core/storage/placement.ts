// Where a download's file goes: a safe name inside the folder and never over another file — refused,
// or written beside it as "name (n).ext"; recognised if already there; linked into place at the end
// (moved onto a reservation of ours where the file system has no hard links).
import { constants as C, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { Bitfield } from '../bitfield';
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import type { Hasher } from './hasher';
import { checkPieces } from './recheck';
import { PathError, resolveInside, withSuffix } from './safePath';

export class ExistingFileError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists and differs from the file being downloaded; STA will not overwrite it`);
    this.name = 'ExistingFileError';
  }
}

/** A different file already at the target: throw ExistingFileError, or write beside it as "name (1).ext". */
export type OnExisting = 'refuse' | 'suffix';

export interface PlaceOptions {
  onExisting?: OnExisting;
  hasher: Hasher;
  log: Logger;
  onCheckProgress?: (checkedBytes: number, total: number) => void;
  /** stops checking a file already at the target */
  signal?: AbortSignal;
}

export interface Place {
  /** where the complete file will be (or already is) */
  target: string;
  /** `target` already holds every piece: opened read-only, nothing to download */
  existing?: { handle: FileHandle; have: Bitfield };
}

const MAX_SUFFIX = 999;
const isErr = (e: unknown, code: string) => (e as NodeJS.ErrnoException)?.code === code;

/** The target for `meta` in `dir` (a real path): the first name that is free or already holds the file. */
export async function findPlace(dir: string, meta: Metainfo, opts: PlaceOptions): Promise<Place> {
  for await (const candidate of candidates(dir, meta.name, false)) {
    const st = await fsp.lstat(candidate).catch((e) => (isErr(e, 'ENOENT') ? undefined : Promise.reject(e)));
    if (!st) return { target: candidate };
    if (st.isFile() && st.size === meta.length) {
      const existing = await completeFileAt(candidate, meta, opts);
      if (existing) return { target: candidate, existing };
    }
    if (opts.onExisting !== 'suffix') throw new ExistingFileError(candidate);
  }
  throw new ExistingFileError(path.join(dir, meta.name));
}

/**
 * Links the complete file at `from` to the first free name for `name` in `dir`: a file that took
 * the `planned` target meanwhile pushes it to "name (n).ext" rather than being replaced.
 */
export async function placeFinal(from: string, dir: string, name: string, planned: string): Promise<string> {
  for await (const candidate of candidates(dir, name, true)) if (await linkNoClobber(from, candidate)) return candidate;
  throw new ExistingFileError(planned);
}

/**
 * The one "name (n).ext" loop: safe paths inside `dir` for `name`, then "name (1).ext" … "name (999).ext".
 * An unsafe suffixed name (e.g. a symlink planted there) is skipped; an unsafe `name` throws unless `skipUnsafeName`.
 */
async function* candidates(dir: string, name: string, skipUnsafeName: boolean): AsyncGenerator<string> {
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const candidate = await resolveInside(dir, n === 0 ? name : withSuffix(name, n)).catch((e) => {
      if (e instanceof PathError && (n > 0 || skipUnsafeName)) return undefined;
      throw e;
    });
    if (candidate) yield candidate;
  }
}

/** The file at `file`, opened read-only, if it holds every piece of `meta`. */
async function completeFileAt(file: string, meta: Metainfo, opts: PlaceOptions): Promise<Place['existing']> {
  const handle = await fsp.open(file, C.O_RDONLY | C.O_NOFOLLOW);
  const have = await checkPieces(handle, meta, opts.hasher, opts.onCheckProgress, opts.signal).catch(async (e) => (await handle.close(), Promise.reject(e)));
  if (!have.complete) {
    await handle.close();
    return undefined;
  }
  opts.log.info(`${file} already holds ${meta.name}; nothing to download`);
  return { handle, have };
}

/** what link() fails with where a file system has no hard links (FAT, exFAT, some network shares and FUSE mounts) */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EMLINK']);

/** Links `from` at `to` without ever replacing a file there; false if `to` is taken. */
async function linkNoClobber(from: string, to: string): Promise<boolean> {
  try {
    await fsp.link(from, to); // atomic and fails with EEXIST, unlike rename
    await fsp.unlink(from);
    return true;
  } catch (e) {
    if (isErr(e, 'EEXIST')) return false;
    if (!NO_HARD_LINKS.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  }
  return moveOntoReservation(from, to);
}

/**
 * No hard links: reserve `to` with an exclusive create, then rename `from` onto that reservation,
 * the one name rename may replace because we made it. A reservation someone wrote into or swapped
 * meanwhile is theirs: it is left alone and the caller tries the next name.
 */
async function moveOntoReservation(from: string, to: string): Promise<boolean> {
  let mine;
  try {
    const reservation = await fsp.open(to, 'wx'); // O_CREAT | O_EXCL: fails on any file or symlink already there
    mine = await reservation.stat().finally(() => reservation.close()); // closed first: Windows cannot rename onto an open file
  } catch (e) {
    if (isErr(e, 'EEXIST')) return false;
    throw e;
  }
  const now = await fsp.lstat(to).catch(() => undefined);
  if (!now || now.ino !== mine.ino || now.dev !== mine.dev || now.size !== 0) return false;
  try {
    await fsp.rename(from, to);
  } catch (e) {
    await fsp.unlink(to).catch(() => undefined); // our empty reservation, not a file of anyone's
    throw e;
  }
  return true;
}
