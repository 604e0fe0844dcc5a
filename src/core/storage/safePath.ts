// The one place that turns a hostile file name (from a .torrent or the catalog) into a path
// inside a download folder. Everything that writes a shared file goes through here.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export class PathError extends Error {
  constructor(readonly badName: string, reason: string) {
    super(`unsafe file name ${JSON.stringify(badName)}: ${reason}`);
    this.name = 'PathError';
  }
}

/** Most file systems (ext4, NTFS, APFS) cap one path component at 255 bytes. */
export const MAX_NAME_BYTES = 255;

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

/** "name (n).ext" — the name used beside an existing file; dot-files keep their whole name as the stem. */
export function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}
