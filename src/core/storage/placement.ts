// Where a download's file goes: its catalog path inside the folder (every part a safe name, folders
// made safely) and never over another file — refused, written beside it as "name (n).ext", or, for an
// update, replaced only once the new file is complete and only if the old one is still as checked;
// recognised if already there; linked into place at the end (moved onto a reservation of ours where
// the file system has no hard links).
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { Bitfield } from '../bitfield';
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import type { Hasher } from './hasher';
import { type FileIdentity, type LocalCopy, openLocalCopy, sameFile } from './localCopy';
import { checkPieces } from './recheck';
import { assertSafeName, folderInside, PathError, resolveInside, safeParts, withSuffix } from './safePath';
import { refusedLanding } from '../neverWritten';

export class ExistingFileError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists and differs from the file being downloaded; STA will not overwrite it`);
    this.name = 'ExistingFileError';
  }
}

/**
 * A different file already at the target: throw ExistingFileError, write beside it as "name (1).ext",
 * or update it (reuse its pieces that match, fetch the rest, replace it once the new file is verified).
 */
export type OnExisting = 'refuse' | 'suffix' | 'update';

export interface PlaceOptions {
  /** where in the folder the file goes: a forward-slash path ending in the torrent's name; default the name */
  relPath?: string;
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
  /** 'update': the older file at `target`, opened read-only; its matching pieces are reused and it is replaced at the end */
  update?: LocalCopy;
}

const MAX_SUFFIX = 999;
const isErr = (e: unknown, code: string) => (e as NodeJS.ErrnoException)?.code === code;

/**
 * The path `meta` goes to inside a download folder: `relPath` (a catalog path) when given, else the
 * torrent's name. Both must be safe, and the path must end in the name (as the catalog's paths do).
 */
export function relPathOf(meta: Metainfo, relPath?: string): string {
  assertSafeName(meta.name);
  const at = relPath ?? meta.name;
  // a torrent named .git, .sta or .env lands nowhere, whoever made it
  const refused = refusedLanding(at);
  if (refused) throw new PathError(at, refused);
  if (relPath === undefined) return meta.name;
  const parts = safeParts(relPath);
  if (parts[parts.length - 1] !== meta.name) throw new PathError(relPath, `it must end in the torrent's name ${JSON.stringify(meta.name)}`);
  return relPath;
}

/** The target for `meta` in `dir` (a real path): the first name that is free, already holds the file, or (update) holds an older one. */
export async function findPlace(dir: string, meta: Metainfo, opts: PlaceOptions): Promise<Place> {
  const relPath = relPathOf(meta, opts.relPath);
  const { folder, name, exists } = await folderInside(dir, relPath);
  if (!exists) return { target: path.join(folder, name) }; // a folder on the way is missing: so is the file
  for await (const candidate of candidates(folder, name, false)) {
    const st = await fsp.lstat(candidate).catch((e) => (isErr(e, 'ENOENT') ? undefined : Promise.reject(e)));
    if (!st) return { target: candidate };
    const update = opts.onExisting === 'update' && st.isFile();
    if (st.isFile() && st.size === meta.length) {
      const checked = await checkFileAt(candidate, meta, opts);
      if (checked.matches.complete) {
        opts.log.info(`${candidate} already holds ${meta.name}; nothing to download`);
        return { target: candidate, existing: { handle: checked.handle, have: checked.matches } };
      }
      if (update) return { target: candidate, update: checked };
      await checked.handle.close();
    } else if (update) {
      return { target: candidate, update: await openLocalCopy(candidate) };
    }
    if (opts.onExisting !== 'suffix') throw new ExistingFileError(candidate);
  }
  throw new ExistingFileError(path.join(folder, name));
}

/**
 * Links the complete file at `from` to the first free name for `relPath` in `dir` (making its folders):
 * a file that took the `planned` target meanwhile pushes it to "name (n).ext" rather than being replaced.
 */
export async function placeFinal(from: string, dir: string, relPath: string, planned: string): Promise<string> {
  const { folder, name } = await folderInside(dir, relPath, true);
  for await (const candidate of candidates(folder, name, true)) if (await linkNoClobber(from, candidate)) return candidate;
  throw new ExistingFileError(planned);
}

/**
 * An update's last step: the complete file at `from` renamed over the older file at `target` (atomic:
 * there is always a file there), but only while that is still the file that was checked (`old`). One
 * the user changed or replaced meanwhile is theirs: it stays, and the new file goes beside it.
 */
export async function replaceFinal(from: string, dir: string, relPath: string, target: string, old: FileIdentity): Promise<string> {
  await folderInside(dir, relPath); // no folder on the way became a symlink meanwhile
  const now = await fsp.lstat(target).catch((e) => (isErr(e, 'ENOENT') ? undefined : Promise.reject(e)));
  if (now?.isFile() && sameFile(now, old)) {
    try {
      await fsp.rename(from, target);
      return target;
    } catch (e) {
      // Windows: another program holds the old file open; it stays, the new one goes beside it
      if (!IN_USE.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
  }
  return placeFinal(from, dir, relPath, target);
}

/** what rename() fails with where the file it would replace is in use (Windows) */
const IN_USE = new Set(['EPERM', 'EBUSY', 'EACCES']);

/**
 * The one "name (n).ext" loop: safe paths inside `folder` for `name`, then "name (1).ext" … "name (999).ext"
 * (the suffix goes on the file's name, never on a folder). An unsafe suffixed name (e.g. a symlink
 * planted there) is skipped; an unsafe `name` throws unless `skipUnsafeName`.
 */
async function* candidates(folder: string, name: string, skipUnsafeName: boolean): AsyncGenerator<string> {
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const candidate = await resolveInside(folder, n === 0 ? name : withSuffix(name, n)).catch((e) => {
      if (e instanceof PathError && (n > 0 || skipUnsafeName)) return undefined;
      throw e;
    });
    if (candidate) yield candidate;
  }
}

/** The file at `file`, opened read-only, and which pieces of `meta` it holds (`matches`). */
async function checkFileAt(file: string, meta: Metainfo, opts: PlaceOptions): Promise<LocalCopy & { matches: Bitfield }> {
  const copy = await openLocalCopy(file);
  try {
    return { ...copy, matches: await checkPieces(copy.handle, meta, opts.hasher, opts.onCheckProgress, opts.signal) };
  } catch (e) {
    await copy.handle.close();
    throw e;
  }
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
