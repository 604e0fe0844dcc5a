// Where a multi-file torrent goes: the folder `<download folder>/<relPath>` (relPath ends in the
// torrent's name), never into or over another folder — refused, or "name (n)" beside it — and
// recognised if it already holds every file. The download stays one `.sta/<hash>.part` until it is
// complete; then the files are copied out of it into a folder made for them (mkdir fails on any
// name already taken, so nothing of the user's is ever written into or over).
import { constants as C, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../bitfield';
import type { Metainfo } from '../metainfo';
import { FolderFile, type SideFile } from './folderFile';
import { type FolderCopy, openFolderCopy, replaceFolderFiles } from './folderUpdate';
import type { PlaceOptions } from './placement';
import { ExistingFileError } from './placement';
import { PartialFile } from './partialFile';
import { COPY_CHUNK, writeNewFile } from './pieceFile';
import { checkPieces } from './recheck';
import { type Selection, straddlingRanges } from './selection';
import { folderInside, PathError, resolveInside } from './safePath';
import type { PositionalFile } from './seedFile';
import type { OpenedSeed } from './seedOpening';
import type { SeedOptions } from './storeOptions';
import type { Hasher } from './hasher';

const MAX_SUFFIX = 999;

export interface FolderPlace {
  /** the torrent's folder: where its files will be (or already are) */
  target: string;
  /** `target` already holds every file, every piece verified: nothing to download */
  existing?: { file: FolderFile; have: Bitfield };
  /** 'update': the older folder at `target`, whose matching pieces are reused and whose files are replaced at the end */
  update?: FolderCopy;
}

/** "name (n)": a folder's suffix goes at the end (a dot in a folder's name starts no extension). */
export const folderWithSuffix = (name: string, n: number) => (n === 0 ? name : `${name} (${n})`);

/** The folder for `meta` (multi-file) at `relPath` in `dir`: the first free name, one that already holds it, or (update) an older one. */
export async function findFolderPlace(dir: string, relPath: string, meta: Metainfo, opts: PlaceOptions): Promise<FolderPlace> {
  const { folder, name, exists } = await folderInside(dir, relPath);
  if (!exists) return { target: path.join(folder, name) };
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const candidate = await resolveInside(folder, folderWithSuffix(name, n)).catch((e) => {
      if (e instanceof PathError && n > 0) return undefined; // e.g. a symlink planted at "name (2)"
      throw e;
    });
    if (!candidate) continue;
    const st = await fsp.lstat(candidate).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
    if (!st) return { target: candidate };
    if (st.isDirectory()) {
      const have = await holdsAll(candidate, meta, opts);
      if (have) {
        opts.log.info(`${candidate} already holds ${meta.name}; nothing to download`);
        await PartialFile.removeLeftovers(dir, meta);
        return { target: candidate, existing: have };
      }
      if (opts.onExisting === 'update' && n === 0) return { target: candidate, update: await openFolderCopy(candidate, meta) };
    }
    if (opts.onExisting !== 'suffix') throw new ExistingFileError(candidate);
  }
  throw new ExistingFileError(path.join(folder, name));
}

/** The torrent's files as they are in `folder`, if every one is there at its size (no symlink on the way) and every piece matches. */
async function holdsAll(folder: string, meta: Metainfo, opts: PlaceOptions): Promise<FolderPlace['existing']> {
  for (const f of meta.files) {
    const where = await folderInside(folder, f.path).catch(() => undefined);
    if (!where?.exists) return undefined;
    const st = await fsp.lstat(path.join(where.folder, where.name)).catch(() => undefined);
    if (!st?.isFile() || st.size !== f.length) return undefined;
  }
  const file = new FolderFile(folder, meta.files);
  const have = await checkPieces(file, meta, opts.hasher, opts.onCheckProgress, opts.signal).catch(async (e) => {
    await file.close();
    throw e;
  });
  if (have.complete) return { file, have };
  await file.close();
  return undefined;
}

/** A multi-file torrent's folder to seed as it is: every piece hashed first unless `verify` is false. */
export async function openFolder(target: string, meta: Metainfo, opts: SeedOptions & { hasher: Hasher }): Promise<OpenedSeed> {
  if (!(await fsp.stat(target)).isDirectory()) throw new Error(`${target} is not a folder; the torrent ${meta.name} is a folder of files`);
  const file = new FolderFile(target, meta.files);
  try {
    let have = new Bitfield(meta.pieceCount);
    if (opts.verify === false) await file.noteAll().then(() => have.setAll());
    else have = await checkPieces(file, meta, opts.hasher, opts.onCheckProgress, opts.signal);
    const differ = meta.pieceCount - have.count;
    if (differ > 0) throw new Error(`${target} does not match the torrent ${meta.name}: ${differ} of ${meta.pieceCount} pieces differ`);
    return { handle: file, have };
  } catch (e) {
    await file.close();
    throw e;
  }
}

/**
 * Copies the complete download in `part` out into the torrent's files, in a new folder for `relPath`
 * in `dir` (its parent folders made as needed): the planned name, or "name (n)" if something took it
 * meanwhile. Returns the folder. On a failure (disk full) the folder made here is removed; `part` stays.
 */
export async function placeFolder(
  part: PositionalFile,
  dir: string,
  relPath: string,
  meta: Metainfo,
  planned: string,
  sel?: Selection & SideFile,
): Promise<string> {
  const { folder, name } = await folderInside(dir, relPath, true);
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const candidate = await resolveInside(folder, folderWithSuffix(name, n)).catch((e) => (e instanceof PathError ? undefined : Promise.reject(e)));
    if (!candidate) continue;
    try {
      await fsp.mkdir(candidate); // atomic: fails on any file, folder or symlink already there
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    try {
      await writeFiles(part, candidate, meta, sel?.files);
      if (sel) await writeSide(part, sel.sidePath, meta, sel);
    } catch (e) {
      await fsp.rm(candidate, { recursive: true, force: true });
      throw e;
    }
    return candidate;
  }
  throw new ExistingFileError(planned);
}

/**
 * An update's last step: the complete download in `part` written over the older folder (see
 * replaceFolderFiles); when that folder changed since it was checked, it stays as it is and the new
 * version goes into a new folder beside it, as placeFolder does. Returns the folder the files are in.
 */
export async function updateFolder(
  part: PartialFile,
  relPath: string,
  meta: Metainfo,
  copy: FolderCopy,
  hasher: Hasher,
  sel?: Selection & SideFile,
): Promise<string> {
  if (!(await replaceFolderFiles(part.handle, part.dir, relPath, meta, copy, part.scratchPath, hasher, sel?.files))) {
    return placeFolder(part.handle, part.dir, relPath, meta, copy.root, sel);
  }
  if (sel) await writeSide(part.handle, sel.sidePath, meta, sel);
  return copy.root;
}

/** Each file of `meta` created new (never through a symlink) in the fresh `root`, its bytes copied from `part`. */
async function writeFiles(part: PositionalFile, root: string, meta: Metainfo, only?: Set<number>): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, meta.length));
  for (const [i, f] of meta.files.entries()) {
    if (only && !only.has(i)) continue;
    const { folder, name } = await folderInside(root, f.path, true);
    await writeNewFile(path.join(folder, name), part, f.offset, f.length, buf, `the partial file of ${meta.name}`);
  }
}

/**
 * A selective download's side file: the bytes of unselected files inside the pieces it has (a piece
 * straddling a selected and an unselected file), at their torrent offsets in a sparse file of the
 * torrent's length, so those pieces can still be verified and served. None is made when no piece straddles.
 */
async function writeSide(part: PositionalFile, sidePath: string, meta: Metainfo, sel: Selection): Promise<void> {
  const ranges = straddlingRanges(meta, sel);
  if (ranges.length === 0) return;
  const out = await fsp.open(sidePath, C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_NOFOLLOW, 0o644);
  try {
    await out.truncate(meta.length);
    for (const { start, end } of ranges) {
      const buf = Buffer.allocUnsafe(end - start); // at most a piece
      for (let got = 0; got < buf.length; ) {
        const { bytesRead } = await part.read(buf, got, buf.length - got, start + got);
        if (bytesRead === 0) throw new Error(`the partial file of ${meta.name} ended early at byte ${start + got}`);
        got += bytesRead;
      }
      for (let w = 0; w < buf.length; ) w += (await out.write(buf, w, buf.length - w, start + w)).bytesWritten;
    }
  } finally {
    await out.close();
  }
}
