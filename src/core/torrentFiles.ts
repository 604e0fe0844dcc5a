// The files of a torrent (BEP 3): a single-file torrent is one file named `name`; a multi-file one a
// folder `name` holding `files`, laid end to end in the order listed (pieces span file boundaries).
// Every path from a .torrent is hostile: each part goes through safePath's rules before it is kept.
import { PathError, assertSafeName, safeParts } from './storage/safePath';

export interface TorrentFile {
  /** forward slashes, relative to the torrent's folder (a single-file torrent: its name) */
  path: string;
  length: number;
  /** where the file starts in the torrent's bytes */
  offset: number;
}

/** A .torrent listing more files is refused: 100,000 already costs seconds to place and seed. */
export const MAX_FILES = 100_000;
/** folders deep: deeper is no real folder tree, only a way to make path walks slow */
export const MAX_DEPTH = 32;

type Fail = (msg: string) => never;

const isDict = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Buffer.isBuffer(v) && !Array.isArray(v);
/** how two paths meet on a case-insensitive file system (NTFS, APFS): one name */
const folded = (p: string) => p.normalize('NFC').toLowerCase();

/**
 * BEP 3 `info.files` of the torrent `name`, checked: a non-empty list of at most MAX_FILES entries,
 * each a `length` (0 is legal: an empty file) and a `path` list whose parts are safe names. No two
 * paths may meet on a case-insensitive disk, nor may a file stand where another's folder must be.
 */
export function parseFileList(files: unknown, name: string, fail: Fail): TorrentFile[] {
  if (!Array.isArray(files) || files.length === 0) fail('info.files must be a non-empty list');
  if (files.length > MAX_FILES) fail(`info.files lists ${files.length} files; the limit is ${MAX_FILES}`);
  checkName(name, fail);
  const out: TorrentFile[] = [];
  const seen = new Map<string, string>(); // folded path → path
  const folders = new Map<string, string>(); // folded folder → a file inside it
  let offset = 0;
  files.forEach((f: unknown, i: number) => {
    const which = `info.files[${i}]`;
    if (!isDict(f)) fail(`${which} is not a dictionary`);
    const length = f.length;
    if (!Number.isSafeInteger(length) || (length as number) < 0) fail(`${which}.length must be a non-negative integer`);
    const path = pathOf(f.path, which, fail);
    const key = folded(path);
    const twin = seen.get(key) ?? folders.get(key);
    if (twin !== undefined) fail(`${which} ${JSON.stringify(path)} collides with ${JSON.stringify(twin)} (paths are compared without case)`);
    seen.set(key, path);
    for (let slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      const folder = key.slice(0, slash);
      const file = seen.get(folder);
      if (file !== undefined) fail(`${which} ${JSON.stringify(path)} needs a folder where the file ${JSON.stringify(file)} is`);
      if (!folders.has(folder)) folders.set(folder, path);
    }
    out.push({ path, length: length as number, offset });
    offset += length as number;
    if (!Number.isSafeInteger(offset)) fail('info.files add up to more bytes than a torrent can hold');
  });
  if (offset === 0) fail('every file in info.files is empty; there is nothing to download');
  return out;
}

/** A single-file torrent's one file. */
export function singleFile(name: string, length: number): TorrentFile[] {
  return [{ path: name, length, offset: 0 }];
}

function checkName(name: string, fail: Fail): void {
  try {
    assertSafeName(name);
  } catch (e) {
    if (e instanceof PathError) fail(`info.name: ${e.message}`);
    throw e;
  }
}

/** A `path` list made one forward-slash path, every part a safe name (a part with a separator never splits). */
function pathOf(list: unknown, which: string, fail: Fail): string {
  if (!Array.isArray(list) || list.length === 0) fail(`${which}.path must be a non-empty list of names`);
  if (list.length > MAX_DEPTH) fail(`${which}.path is ${list.length} folders deep; the limit is ${MAX_DEPTH}`);
  const parts = list.map((p: unknown, j: number) => {
    if (!Buffer.isBuffer(p)) fail(`${which}.path[${j}] is not a string`);
    const part = p.toString('utf8');
    try {
      assertSafeName(part);
    } catch (e) {
      if (e instanceof PathError) fail(`${which}.path: ${e.message}`);
      throw e;
    }
    return part;
  });
  const path = parts.join('/');
  try {
    safeParts(path); // total length, Windows names, the .sta folder
  } catch (e) {
    if (e instanceof PathError) fail(`${which}.path: ${e.message}`);
    throw e;
  }
  return path;
}

/** One stretch of a read or write that falls in one file. */
export interface FileSpan {
  /** index into the torrent's files */
  file: number;
  /** where in that file */
  fileOffset: number;
  length: number;
}

/** The files (and ranges in each) that `length` bytes at torrent offset `position` cover; empty files never appear. */
export function spansOf(files: readonly TorrentFile[], position: number, length: number): FileSpan[] {
  // binary search: the last file starting at or before `position`
  let lo = 0;
  let hi = files.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (files[mid].offset <= position) lo = mid;
    else hi = mid - 1;
  }
  const spans: FileSpan[] = [];
  let pos = position;
  const end = position + length;
  for (let i = lo; i < files.length && pos < end; i++) {
    const f = files[i];
    if (f.length === 0 || f.offset + f.length <= pos) continue;
    const take = Math.min(end, f.offset + f.length) - pos;
    spans.push({ file: i, fileOffset: pos - f.offset, length: take });
    pos += take;
  }
  if (pos < end) throw new RangeError(`bytes ${position}..${end} run past the torrent's end`);
  return spans;
}
