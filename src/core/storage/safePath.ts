// The one place that turns a hostile file name or catalog path (from a .torrent or the catalog) into
// a path inside a download folder. Everything that writes a shared file goes through here.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export class PathError extends Error {
  constructor(readonly badName: string, readonly reason: string) {
    super(`unsafe file name ${JSON.stringify(badName)}: ${reason}`);
    this.name = 'PathError';
  }
}

/** Something that is not a folder (a file, a device) stands where a catalog path needs a folder. */
export class NotAFolderError extends Error {
  constructor(readonly path: string, readonly relPath: string) {
    super(`cannot place ${JSON.stringify(relPath)}: ${path} is not a folder; STA will not replace it`);
    this.name = 'NotAFolderError';
  }
}

/** Most file systems (ext4, NTFS, APFS) cap one path component at 255 bytes. */
export const MAX_NAME_BYTES = 255;
/** The longest catalog path a download accepts: the tracker's own cap on a published path. */
export const MAX_REL_PATH = 1024;
/** Linux's PATH_MAX (4096 with its NUL): a longer path fails in open() with ENAMETOOLONG. */
export const MAX_PATH_BYTES = 4095;
/** the download folder's own folder of partial files (partialFile.ts): no catalog path may lead into it */
const STA_DIR = '.sta';
/** Names Windows gives to devices in every folder (`nul.txt` too), and characters it refuses or reads as streams. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\.|$)/i;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;

/**
 * Throws PathError unless `name` is a single plain path component. STA torrents are single-file,
 * so a separator is never legitimate: `a/b` is as suspect as `../b`.
 */
export function assertSafeName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new PathError(String(name), 'it is empty');
  if (name === '.' || name === '..') throw new PathError(name, 'it names a directory, not a file');
  if (name.includes('/') || name.includes('\\')) throw new PathError(name, 'it contains a path separator');
  if (name.includes('\0')) throw new PathError(name, 'it contains a NUL byte');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) throw new PathError(name, 'it contains a control character');
  // `C:foo` is relative to the current directory of drive C on Windows; never a plain name.
  if (/^[A-Za-z]:/.test(name)) throw new PathError(name, 'it starts with a drive prefix');
  if (path.isAbsolute(name)) throw new PathError(name, 'it is an absolute path');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) throw new PathError(name, `it is ${bytes} bytes long; the limit is ${MAX_NAME_BYTES}`);
}

/**
 * The real path of `name` directly inside the real path of `root`. Rejects bad names, and a
 * target that is already a symlink (following it could write outside `root`). A missing target
 * is fine: that is the usual case for a new download. Errors reading `root` propagate as-is.
 */
export async function resolveInside(root: string, name: string): Promise<string> {
  assertSafeName(name);
  const realRoot = await fsp.realpath(root);
  const target = path.join(realRoot, name);
  // Belt and braces: the checks above should make this impossible, but a path-library quirk
  // must not become a write outside the folder.
  if (path.dirname(target) !== realRoot || path.relative(realRoot, target) !== name) {
    throw new PathError(name, `it does not resolve to a file directly inside ${realRoot}`);
  }
  const bytes = Buffer.byteLength(target, 'utf8');
  if (bytes > MAX_PATH_BYTES) throw new PathError(name, `inside ${realRoot} it makes a path of ${bytes} bytes; the limit is ${MAX_PATH_BYTES}`);
  let st;
  try {
    st = await fsp.lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return target;
    throw e;
  }
  if (st.isSymbolicLink()) throw new PathError(name, `${target} is a symbolic link; STA does not follow links out of the download folder`);
  return target;
}

/**
 * The parts of `relPath`, a forward-slash path relative to a download folder (a catalog path such as
 * `data/train/x.bin`), each a safe name by assertSafeName; throws PathError naming the bad part. On
 * Windows (`platform`) device names (`CON`, `nul.txt`), trailing dots or spaces and `<>:"|?*` are refused too.
 */
export function safeParts(relPath: string, platform: NodeJS.Platform = process.platform): string[] {
  if (typeof relPath !== 'string' || relPath.length === 0) throw new PathError(String(relPath), 'it is empty');
  if (relPath.length > MAX_REL_PATH) throw new PathError(relPath, `it is ${relPath.length} characters long; the limit is ${MAX_REL_PATH}`);
  if (relPath.startsWith('/') || path.isAbsolute(relPath)) throw new PathError(relPath, 'it is an absolute path');
  const parts = relPath.split('/');
  parts.forEach((part, i) => {
    const which = parts.length === 1 ? '' : `its part ${i + 1} ${JSON.stringify(part)}: `;
    try {
      assertSafeName(part);
    } catch (e) {
      if (e instanceof PathError) throw new PathError(relPath, which + e.reason);
      throw e;
    }
    if (platform === 'win32' && (WINDOWS_DEVICE.test(part) || /[. ]$/.test(part) || WINDOWS_FORBIDDEN.test(part))) {
      throw new PathError(relPath, `${which}Windows reserves this name (a device name, a trailing dot or space, or one of <>:"|?*)`);
    }
  });
  if (parts[0].toLowerCase() === STA_DIR) throw new PathError(relPath, `${STA_DIR} is STA's own folder of partial downloads`);
  return parts;
}

export interface FolderInside {
  /** the real path of the folder `relPath` names a file in (it may not exist yet unless created) */
  folder: string;
  /** the file's name, the last part of `relPath` */
  name: string;
  /** the folder exists (every part a real folder, none a symlink) */
  exists: boolean;
}

/**
 * The folder inside `root` that `relPath`'s file goes into. Each folder on the way must be a real
 * folder, never a symlink (it could lead out of `root`); missing ones are made when `create` is set
 * (one at a time, each checked after it is made), otherwise reported as `exists: false`.
 * Throws PathError for a bad path or a symlink, NotAFolderError for a file where a folder is needed.
 */
export async function folderInside(root: string, relPath: string, create = false): Promise<FolderInside> {
  const parts = safeParts(relPath);
  const realRoot = await fsp.realpath(root);
  const bytes = Buffer.byteLength(path.join(realRoot, ...parts), 'utf8');
  if (bytes > MAX_PATH_BYTES) throw new PathError(relPath, `inside ${realRoot} it makes a path of ${bytes} bytes; the limit is ${MAX_PATH_BYTES}`);
  let folder = realRoot;
  let exists = true;
  for (const part of parts.slice(0, -1)) {
    folder = path.join(folder, part);
    if (!exists) continue; // under a missing folder nothing exists yet
    let st = await lstatOrNone(folder);
    if (!st && create) {
      await fsp.mkdir(folder).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)));
      st = await lstatOrNone(folder);
    }
    if (!st) {
      exists = false;
      continue;
    }
    if (st.isSymbolicLink()) throw new PathError(relPath, `${folder} is a symbolic link; STA does not follow links out of the download folder`);
    if (!st.isDirectory()) throw new NotAFolderError(folder, relPath);
  }
  const name = parts[parts.length - 1];
  const target = path.join(folder, name);
  // Belt and braces, as in resolveInside: whatever the checks above missed must not leave `realRoot`.
  const rel = path.relative(realRoot, target);
  if (rel !== parts.join(path.sep) || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new PathError(relPath, `it does not resolve to a path inside ${realRoot}`);
  }
  return { folder, name, exists };
}

const lstatOrNone = (p: string) => fsp.lstat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));

/** "name (n).ext" — the name used beside an existing file; dot-files keep their whole name as the stem. */
export function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}
