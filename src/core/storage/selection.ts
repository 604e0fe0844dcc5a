// A selective download (`sta get --select GLOB`): which files of a multi-file torrent are wanted, the
// pieces that hold any of their bytes, and the bytes of unwanted files inside those pieces (a piece
// straddling a wanted and an unwanted file) — kept in a side file, never as a file of their own.
import picomatch from 'picomatch';
import { Bitfield } from '../bitfield';
import type { Metainfo } from '../metainfo';

export interface Selection {
  /** indexes into meta.files */
  files: Set<number>;
  /** pieces holding a byte of a selected file */
  pieces: Bitfield;
}

/** One stretch of the torrent's bytes (torrent offsets). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The files of `meta` matched by any of `globs` (against the path inside the torrent, `data/x.bin`;
 * `*` stays within a folder, `**` crosses folders). Undefined when every file is selected. A glob that
 * matches nothing, or a single-file torrent, is an error: a typo must not quietly download nothing.
 */
export function selectFiles(meta: Metainfo, globs: readonly string[]): Selection | undefined {
  if (!meta.multiFile) throw new Error(`--select applies to a folder of files; ${meta.name} is a single file`);
  const files = new Set<number>();
  for (const glob of globs) {
    const matches = picomatch(glob, { dot: true });
    let found = false;
    meta.files.forEach((f, i) => {
      if (matches(f.path)) (files.add(i), (found = true));
    });
    if (!found) {
      const some = meta.files.slice(0, 5).map((f) => f.path).join(', ') + (meta.files.length > 5 ? ', …' : '');
      throw new Error(`--select ${JSON.stringify(glob)} matches no file of ${meta.name} (${meta.files.length} files: ${some})`);
    }
  }
  if (files.size === meta.files.length) return undefined;
  const pieces = new Bitfield(meta.pieceCount);
  for (const i of files) {
    const { offset, length } = meta.files[i];
    if (length === 0) continue;
    const last = Math.floor((offset + length - 1) / meta.pieceLength);
    for (let p = Math.floor(offset / meta.pieceLength); p <= last; p++) pieces.set(p);
  }
  return { files, pieces };
}

/** The bytes of unselected files that lie in selected pieces: only ever at a file's first or last piece. */
export function straddlingRanges(meta: Metainfo, sel: Selection): ByteRange[] {
  const out: ByteRange[] = [];
  meta.files.forEach((f, i) => {
    if (sel.files.has(i) || f.length === 0) return;
    const end = f.offset + f.length;
    const first = Math.floor(f.offset / meta.pieceLength);
    const last = Math.floor((end - 1) / meta.pieceLength);
    if (sel.pieces.has(first)) out.push({ start: f.offset, end: Math.min(end, (first + 1) * meta.pieceLength) });
    if (last !== first && sel.pieces.has(last)) out.push({ start: Math.max(f.offset, last * meta.pieceLength), end });
  });
  return out;
}
