// The piece-by-piece hash check used on open (resume recheck, an existing file at the target,
// a seed): memory bounded by a few pieces, not the file size.
import { createHash } from 'node:crypto';
import { Bitfield } from '../bitfield';
import type { Metainfo } from '../metainfo';
import { pieceHash, pieceSize } from '../pieces';
import type { Hasher } from './hasher';
import { readFull } from './pieceFile';
import type { PositionalFile } from './seedFile';

const ZERO = Buffer.alloc(64 * 1024);
function isAllZero(buf: Buffer): boolean {
  for (let off = 0; off < buf.length; off += ZERO.length) {
    const part = buf.subarray(off, off + ZERO.length);
    if (!part.equals(ZERO.subarray(0, part.length))) return false;
  }
  return true;
}

/**
 * Which pieces of `file` match `meta`. Memory is a few piece buffers whatever the file size:
 * one more buffer than workers so the next read overlaps the current hash. Never-written
 * (zero) pieces of a sparse partial are recognised by a memcmp instead of a hash. An aborted
 * `signal` stops it before the next piece (a piece takes milliseconds) with an AbortError.
 */
export async function checkPieces(
  file: Pick<PositionalFile, 'read'>,
  meta: Metainfo,
  hasher: Hasher,
  onProgress?: (checked: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Bitfield> {
  const have = new Bitfield(meta.pieceCount);
  const zeroDigests = new Map<number, Buffer>();
  let next = 0;
  let checked = 0;
  const lane = async () => {
    let buf: Buffer = Buffer.allocUnsafeSlow(meta.pieceLength);
    while (next < meta.pieceCount) {
      signal?.throwIfAborted();
      const index = next++;
      const size = pieceSize(meta, index);
      const view = size === buf.length ? buf : buf.subarray(0, size);
      await readFull(file, view, index * meta.pieceLength);
      let digest: Buffer;
      if (isAllZero(view)) {
        digest = zeroDigests.get(size) ?? createHash('sha1').update(view).digest();
        zeroDigests.set(size, digest);
      } else {
        const r = await hasher.sha1(view);
        digest = r.digest;
        if (view === buf) buf = r.buf; // the whole buffer went to the worker and came back
      }
      if (digest.equals(pieceHash(meta.pieceHashes, index))) have.set(index);
      checked += size;
      onProgress?.(checked, meta.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(hasher.size + 1, meta.pieceCount) }, lane));
  return have;
}
