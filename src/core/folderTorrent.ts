// A folder as one multi-file torrent (BEP 3 `files`), made as mktorrent makes it: every regular file
// under the folder (hidden and empty ones too), in byte order of its forward-slash path, so the same
// folder and piece length give mktorrent's info-hash. Pieces run on across file boundaries.
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { encode } from './bencode';
import { choosePieceLength, MetainfoError, parseTorrent, type CreateOptions, type Metainfo } from './metainfo';
import { HASH_SIZE } from './pieces';
import { MAX_DEPTH, MAX_FILES } from './torrentFiles';

export interface FolderEntry {
  /** absolute path on disk */
  abs: string;
  /** forward slashes, relative to the folder */
  path: string;
  size: number;
}

export interface FolderTorrentOptions extends CreateOptions {
  /** false leaves a file (forward-slash path relative to the folder) out; default every regular file */
  include?: (relPath: string) => boolean;
}

/**
 * The regular files under `root`, in mktorrent's order (byte order of the relative path). Symbolic
 * links are left out (one could lead out of the folder), as is anything not a file or folder.
 */
export async function listFolder(root: string, include: (relPath: string) => boolean = () => true): Promise<FolderEntry[]> {
  const out: FolderEntry[] = [];
  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw new MetainfoError(`${abs} is more than ${MAX_DEPTH} folders deep`);
    const entries = await fsp.readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const childAbs = path.join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(childAbs, childRel, depth + 1);
      else if (e.isFile() && include(childRel)) {
        if (out.length >= MAX_FILES) throw new MetainfoError(`${root} holds more than ${MAX_FILES} files; a torrent is limited to that`);
        out.push({ abs: childAbs, path: childRel, size: (await fsp.lstat(childAbs)).size });
      }
    }
  };
  await walk(root, '', 0);
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** SHA-1 of each piece of a stream of bytes fed in any chunks. */
class PieceHasher {
  private readonly hashes: Buffer[] = [];
  private h: Hash = createHash('sha1');
  private filled = 0;

  constructor(private readonly pieceLength: number) {}

  update(buf: Buffer): void {
    for (let off = 0; off < buf.length; ) {
      const take = Math.min(this.pieceLength - this.filled, buf.length - off);
      this.h.update(buf.subarray(off, off + take));
      this.filled += take;
      off += take;
      if (this.filled === this.pieceLength) this.next();
    }
  }

  digest(): Buffer {
    if (this.filled > 0) this.next();
    return Buffer.concat(this.hashes);
  }

  private next(): void {
    this.hashes.push(this.h.digest());
    this.h = createHash('sha1');
    this.filled = 0;
  }
}

const READ_CHUNK = 1 << 20;

/** Hashes every file of `root` in order and builds the folder's .torrent (named after the folder unless `opts.name`). */
export async function createFolderTorrent(root: string, opts: FolderTorrentOptions = {}): Promise<Metainfo> {
  opts.signal?.throwIfAborted();
  const files = await listFolder(root, opts.include);
  const total = files.reduce((n, f) => n + f.size, 0);
  if (files.length === 0 || total === 0) throw new MetainfoError(`${root} holds no file with any bytes; there is nothing to share`);
  const pieceLength = opts.pieceLength ?? choosePieceLength(total);
  const hasher = new PieceHasher(pieceLength);
  const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(total, 1)));
  let hashed = 0;
  for (const f of files) {
    const fh = await fsp.open(f.abs, 'r');
    try {
      for (let pos = 0; pos < f.size; ) {
        opts.signal?.throwIfAborted();
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, f.size - pos), pos);
        if (bytesRead === 0) throw new MetainfoError(`${f.abs} changed while it was being hashed (it shrank)`);
        hasher.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
        hashed += bytesRead;
        opts.onProgress?.(hashed, total);
      }
      if ((await fh.stat()).size !== f.size) throw new MetainfoError(`${f.abs} changed while it was being hashed`);
    } finally {
      await fh.close();
    }
  }
  const pieces = hasher.digest();
  if (pieces.length !== Math.ceil(total / pieceLength) * HASH_SIZE) throw new MetainfoError(`${root}: files changed while they were hashed`);
  const info: Record<string, unknown> = {
    files: files.map((f) => ({ length: f.size, path: f.path.split('/') })),
    name: opts.name ?? path.basename(path.resolve(root)),
    'piece length': pieceLength,
    pieces,
  };
  if (opts.private) info.private = 1;
  const top: Record<string, unknown> = { info, 'created by': 'STA', 'creation date': Math.floor(Date.now() / 1000) };
  if (opts.announce) top.announce = opts.announce;
  if (opts.announceList && opts.announceList.length > 0) {
    top['announce-list'] = opts.announceList;
    top.announce ??= opts.announceList[0][0];
  }
  if (opts.comment) top.comment = opts.comment;
  return parseTorrent(encode(top));
}
