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
  /** bytes of the verified pieces that an update copied from the older file instead of fetching (absent: 0) */
  reusedBytes?: number;
}

export interface ResumeState {
  /** the verified pieces; undefined when the resume data is missing or no longer describes the file (recheck it) */
  have?: Bitfield;
  /** informational, so kept from stale resume data of the same torrent too: its pieces are still on disk */
  reusedBytes: number;
}

/** What the resume file says about this partial file as it is now. */
export async function readResume(resumePath: string, meta: Metainfo, size: number, mtimeMs: number): Promise<ResumeState> {
  let data: Partial<ResumeData>;
  try {
    data = JSON.parse(await fsp.readFile(resumePath, 'utf8'));
  } catch {
    return { reusedBytes: 0 };
  }
  const sameTorrent = data.version === 1 && data.infoHash === meta.infoHashHex && data.length === meta.length && data.pieceLength === meta.pieceLength;
  if (!sameTorrent) return { reusedBytes: 0 };
  const reused = data.reusedBytes;
  const reusedBytes = typeof reused === 'number' && Number.isSafeInteger(reused) && reused >= 0 && reused <= meta.length ? reused : 0;
  // After a crash the file was written after the last save, so its mtime no longer matches.
  if (size !== meta.length || data.size !== size || data.mtimeMs !== mtimeMs || typeof data.bitfield !== 'string') return { reusedBytes };
  const bits = Buffer.from(data.bitfield, 'base64');
  return { have: Bitfield.isValid(bits, meta.pieceCount) ? new Bitfield(meta.pieceCount, bits) : undefined, reusedBytes };
}

/** Written beside and renamed over, so a crash mid-save leaves the previous file intact. */
export async function writeResume(resumePath: string, data: ResumeData): Promise<void> {
  await fsp.writeFile(`${resumePath}.tmp`, JSON.stringify(data));
  await fsp.rename(`${resumePath}.tmp`, resumePath);
}
