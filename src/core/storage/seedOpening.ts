// A complete file opened to be seeded in place: a repository file just hashed is trusted as it was
// then (opened only while peers read it); any other is checked for size and, unless told not to,
// hashed piece by piece first. Either way it is guarded from then on (a changed file is never served).
import { promises as fsp } from 'node:fs';
import { Bitfield } from '../bitfield';
import type { Metainfo } from '../metainfo';
import { FileGuard } from './fileGuard';
import type { Hasher } from './hasher';
import { checkPieces } from './recheck';
import { type PositionalFile, SeedFile } from './seedFile';
import type { SeedOptions } from './storeOptions';

export interface OpenedSeed {
  handle: PositionalFile;
  have: Bitfield;
  /** absent: the store guards the file from how it is now */
  guard?: FileGuard;
}

/** The single file at `target` (a real path), complete for `meta`, ready to serve. */
export async function openSeedFile(target: string, meta: Metainfo, opts: SeedOptions & { hasher: Hasher }): Promise<OpenedSeed> {
  if (opts.verify === false && opts.hashedAt) {
    const { size } = opts.hashedAt;
    if (size !== meta.length) throw new Error(`${target} is ${size} bytes; the torrent ${meta.name} says ${meta.length}`);
    const file = new SeedFile(target);
    const have = new Bitfield(meta.pieceCount);
    have.setAll();
    return { handle: file, have, guard: new FileGuard(file, opts.hashedAt, target) };
  }
  const handle = await fsp.open(target, 'r');
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${target} is not a regular file`);
    const guard = await FileGuard.open(handle, target, opts.hashedAt);
    if (st.size !== meta.length) throw new Error(`${target} is ${st.size} bytes; the torrent ${meta.name} says ${meta.length}`);
    let have = new Bitfield(meta.pieceCount);
    if (opts.verify === false) have.setAll();
    else have = await checkPieces(handle, meta, opts.hasher, opts.onCheckProgress, opts.signal);
    if (!have.complete) {
      throw new Error(`${target} does not match the torrent ${meta.name}: ${meta.pieceCount - have.count} of ${meta.pieceCount} pieces differ`);
    }
    return { handle, have, guard };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
