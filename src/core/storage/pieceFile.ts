// A torrent's bytes in one open file: a piece is written only once its SHA-1 matches (hashed in the
// worker, then one positional write, by the worker itself when the file has one descriptor), and
// blocks of the pieces we have are read back by position.
import { constants as C, promises as fsp } from 'node:fs';
import type { PositionalFile } from './seedFile';
import type { Bitfield } from '../bitfield';
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import { pieceHash } from '../pieces';
import type { Hasher } from './hasher';

/** Gets a piece's memory back once the store is done with it; `verified`: it holds the piece's checked bytes. */
export type Recycle = (buf: Buffer, verified: boolean) => void;

export async function readFull(file: Pick<PositionalFile, 'read'>, buf: Buffer, position: number): Promise<void> {
  for (let off = 0; off < buf.length; ) {
    const { bytesRead } = await file.read(buf, off, buf.length - off, position + off);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + off}`);
    off += bytesRead;
  }
}

export async function writeFull(file: Pick<PositionalFile, 'write'>, buf: Buffer, position: number): Promise<void> {
  for (let off = 0; off < buf.length; ) {
    const { bytesWritten } = await file.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}

/** bytes per copy between files (a finished download written out) */
export const COPY_CHUNK = 4 << 20;

/**
 * A new file at `file` (it must not exist; never made through a link) holding `length` bytes of `from` at `offset`,
 * copied `buf` at a time; `what` names `from` if it ends early.
 */
export async function writeNewFile(file: string, from: Pick<PositionalFile, 'read'>, offset: number, length: number, buf: Buffer, what: string): Promise<void> {
  const out = await fsp.open(file, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o644);
  try {
    await copyRange(from, out, offset, length, buf, what);
  } finally {
    await out.close();
  }
}

/** Copies `length` bytes of `from` at `offset` to the start of `to`, `buf` at a time; `what` names `from` if it ends early. */
async function copyRange(
  from: Pick<PositionalFile, 'read'>,
  to: Pick<PositionalFile, 'write'>,
  offset: number,
  length: number,
  buf: Buffer,
  what: string,
): Promise<void> {
  for (let done = 0; done < length; ) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, length - done), offset + done);
    if (bytesRead === 0) throw new Error(`${what} ended early at byte ${offset + done}`);
    await writeFull(to, buf.subarray(0, bytesRead), done);
    done += bytesRead;
  }
}

export class PieceFile {
  /** writes in flight by piece (made on the first: a seed never writes) */
  private inflight: Map<number, Promise<boolean>> | undefined;
  private pending = 0;
  /** no more writes: the store is closing */
  private stopped = false;
  private closed = false;

  /** Sets a piece in `have` once it is on disk, then calls `onWritten`. */
  constructor(
    private readonly handle: PositionalFile,
    private readonly meta: Metainfo,
    private readonly have: Bitfield,
    private readonly hasher: Hasher,
    private readonly log: Logger,
    private readonly onWritten: (index: number) => void,
  ) {}

  /** Bytes handed to write() that are not yet verified and written. */
  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * Verifies piece `index` (its size already checked) and, if its SHA-1 matches, writes it; false
   * on a mismatch (nothing written). Takes ownership of `buf`; `recycle` gets the memory back, with
   * `verified` true when it holds the piece's verified bytes (false for a mismatch or a duplicate).
   */
  async write(index: number, buf: Buffer, recycle?: Recycle): Promise<boolean> {
    this.assertWritable();
    // A duplicate arriving while the first copy is in flight waits for it; if that copy was bad, this one gets its turn.
    for (;;) {
      if (this.have.has(index)) return recycle?.(buf, false), true;
      const earlier = this.inflight?.get(index);
      if (!earlier) break;
      if (await earlier) return recycle?.(buf, false), true;
    }
    this.assertWritable(); // closed while we waited
    const p = this.verifyAndWrite(index, buf, recycle);
    (this.inflight ??= new Map()).set(index, p);
    return p;
  }

  /** `length` bytes at `begin` in piece `index` (range already checked), into `into` if given (that long). */
  async read(index: number, begin: number, length: number, into?: Buffer): Promise<Buffer> {
    if (this.closed) throw new Error(`${this.meta.name}: store is closed`);
    const buf = into ?? Buffer.allocUnsafe(length);
    await readFull(this.handle, buf, index * this.meta.pieceLength + begin);
    return buf;
  }

  /** Refuses further writes and waits for those in flight. */
  async stopWrites(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...(this.inflight?.values() ?? [])]);
  }

  /** Flushes written data to the disk itself (not just the page cache). */
  sync(): Promise<void> {
    return this.handle.datasync();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.closed = true;
    // the hash worker may be writing through the descriptor: it must not be closed (and reused) under it
    await Promise.allSettled([...(this.inflight?.values() ?? [])]);
    await this.handle.close();
  }

  private assertWritable(): void {
    if (this.stopped) throw new Error(`${this.meta.name}: store is closed`);
  }

  private async verifyAndWrite(index: number, buf: Buffer, recycle?: Recycle): Promise<boolean> {
    const size = buf.length; // buf is detached once the hasher takes it
    this.pending += size;
    let bytes: Buffer | undefined;
    let verified = false;
    try {
      const expect = pieceHash(this.meta.pieceHashes, index);
      const position = index * this.meta.pieceLength;
      const fd = (this.handle as { fd?: unknown }).fd;
      const result = await this.hasher.sha1(buf, typeof fd === 'number' && fd >= 0 ? { expect, fd, position } : undefined);
      bytes = result.buf;
      if (result.written === false || !result.digest.equals(expect)) {
        this.log.debug(`${this.meta.name}: piece ${index} failed its SHA-1 check`);
        return false;
      }
      if (!result.written) await writeFull(this.handle, bytes, position);
      this.have.set(index);
      verified = true;
      this.onWritten(index);
      return true;
    } finally {
      this.pending -= size;
      this.inflight?.delete(index);
      if (bytes && recycle) recycle(bytes, verified);
    }
  }
}
