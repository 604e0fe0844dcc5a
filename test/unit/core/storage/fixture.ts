// Test data for the storage modules: a random file, its torrent, and fresh copies of its pieces.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Bitfield } from '../../../../src/core/bitfield';
import { createTorrent, type Metainfo } from '../../../../src/core/metainfo';
import { pieceSize } from '../../../../src/core/pieces';

export const PL = 16 * 1024;

export interface TorrentFixture {
  data: Buffer;
  meta: Metainfo;
  /** the original file the torrent was made from */
  srcPath: string;
}

/** `length` random bytes written to `dir/name` and a torrent of it with 16 KiB pieces. */
export async function makeTorrent(dir: string, name: string, length: number): Promise<TorrentFixture> {
  const data = randomBytes(length);
  const srcPath = join(dir, name);
  await fsp.writeFile(srcPath, data);
  return { data, meta: await createTorrent(srcPath, { pieceLength: PL }), srcPath };
}

/** A fresh copy of piece `i` (a store takes ownership of the buffer it is given). */
export const pieceOf = ({ data, meta }: TorrentFixture, i: number) => Buffer.from(data.subarray(i * PL, i * PL + pieceSize(meta, i)));

export const indexes = (bf: Bitfield) => Array.from({ length: bf.length }, (_, i) => i).filter((i) => bf.has(i));
