// Resume data: which pieces of a partial file are verified, valid only while the file's size and
// mtime are what they were when it was saved (a crash after the save moves the mtime on).
import { promises as fsp } from 'node:fs';
import { Bitfield } from '../bitfield';
import type { Metainfo } from '../metainfo';

export interface ResumeData {
  version: 1;
  infoHash: string;
  length: number;
  pieceLength: number;
  size: number;
  mtimeMs: number;
  bitfield: string;
}

/** The saved bitfield if the resume file describes this partial file as it is now, else undefined. */
export async function readResume(resumePath: string, meta: Metainfo, size: number, mtimeMs: number): Promise<Bitfield | undefined> {
  let data: Partial<ResumeData>;
  try {
    data = JSON.parse(await fsp.readFile(resumePath, 'utf8'));
  } catch {
    return undefined;
  }
  if (data.version !== 1 || data.infoHash !== meta.infoHashHex || data.length !== meta.length || data.pieceLength !== meta.pieceLength) return undefined;
  // After a crash the file was written after the last save, so its mtime no longer matches.
  if (size !== meta.length || data.size !== size || data.mtimeMs !== mtimeMs || typeof data.bitfield !== 'string') return undefined;
  const bits = Buffer.from(data.bitfield, 'base64');
  return Bitfield.isValid(bits, meta.pieceCount) ? new Bitfield(meta.pieceCount, bits) : undefined;
}

/** Written beside and renamed over, so a crash mid-save leaves the previous file intact. */
export async function writeResume(resumePath: string, data: ResumeData): Promise<void> {
  await fsp.writeFile(`${resumePath}.tmp`, JSON.stringify(data));
  await fsp.rename(`${resumePath}.tmp`, resumePath);
}
