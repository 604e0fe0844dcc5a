// BitTorrent v1 metainfo (BEP 3 single- and multi-file, BEP 12 announce-list): parse, validate, create.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { decode, encode, scanBencode } from './bencode';
import { HASH_SIZE, pieceHash } from './pieces';
import { parseFileList, singleFile, type TorrentFile } from './torrentFiles';
import type { Hasher } from './storage/hasher';

export { pieceSize } from './pieces';

export const MAX_TORRENT_BYTES = 10 * 1024 * 1024;
export const MIN_PIECE_LENGTH = 16 * 1024;
export const MAX_PIECE_LENGTH = 64 * 1024 * 1024;
export const MAX_PIECES = 1 << 20;

export interface Metainfo {
  infoHash: Buffer; // 20 bytes, SHA-1 of the raw info dict
  infoHashHex: string;
  name: string; // as the torrent says: hostile until checked by safePath
  /** every file's length added up */
  length: number;
  /** the files in torrent order (a single-file torrent: one, its name); their paths are checked safe */
  files: TorrentFile[];
  /** BEP 3 `files`: a folder `name` holding `files` (even just one) */
  multiFile: boolean;
  pieceLength: number;
  pieceCount: number;
  pieceHashes: Buffer; // HASH_SIZE × pieceCount
  private: boolean;
  announce?: string;
  /** BEP 12 tiers; a lone `announce` becomes one tier */
  announceList: string[][];
  /** the whole .torrent as bytes (what the catalog serves) */
  torrent: Buffer;
  /** `creation date` (s since epoch) when the torrent has a sane one: the catalog keeps the newer version of a path */
  creationDate?: number;
}

export class MetainfoError extends Error {}

function fail(msg: string): never {
  throw new MetainfoError(msg);
}

const str = (v: unknown): string | undefined => (Buffer.isBuffer(v) ? v.toString('utf8') : undefined);

export function parseTorrent(torrent: Buffer): Metainfo {
  if (torrent.length > MAX_TORRENT_BYTES) fail(`torrent is ${torrent.length} bytes; the limit is ${MAX_TORRENT_BYTES}`);
  const { info: span } = scanBencode(torrent);
  const top = decode(torrent);
  if (!top || typeof top !== 'object' || Buffer.isBuffer(top) || Array.isArray(top)) fail('torrent is not a dictionary');
  if (!span) fail('torrent has no info dictionary');
  const info = top.info;
  if (!info || typeof info !== 'object' || Buffer.isBuffer(info) || Array.isArray(info)) fail('info is not a dictionary');
  if (info.pieces === undefined && info['meta version'] === 2) fail('BitTorrent v2-only torrents are not supported');
  const name = str(info.name);
  if (!name) fail('info.name is missing or empty');
  const multiFile = info.files !== undefined;
  if (multiFile && info.length !== undefined) fail('info has both length and files; a torrent is one file or a folder of files');
  if (!multiFile && (!Number.isSafeInteger(info.length) || info.length <= 0)) fail('info.length must be a positive integer');
  const files = multiFile ? parseFileList(info.files, name, fail) : singleFile(name, info.length);
  const length = files[files.length - 1].offset + files[files.length - 1].length;
  const pieceLength = info['piece length'];
  if (!Number.isSafeInteger(pieceLength) || pieceLength < MIN_PIECE_LENGTH || pieceLength > MAX_PIECE_LENGTH || (pieceLength & (pieceLength - 1)) !== 0) {
    const shown = Number.isSafeInteger(pieceLength) ? pieceLength : '(not an integer)'; // a hostile dict may carry its own toString
    fail(`piece length ${shown} is not a power of two between ${MIN_PIECE_LENGTH} and ${MAX_PIECE_LENGTH}`);
  }
  const pieceCount = Math.ceil(length / pieceLength);
  if (pieceCount > MAX_PIECES) fail(`${pieceCount} pieces is more than the limit of ${MAX_PIECES}`);
  const pieces = info.pieces;
  if (!Buffer.isBuffer(pieces) || pieces.length % HASH_SIZE !== 0) fail('info.pieces must be a string of 20-byte SHA-1 hashes');
  if (pieces.length !== pieceCount * HASH_SIZE) fail(`info.pieces holds ${pieces.length / HASH_SIZE} hashes; length and piece length need ${pieceCount}`);

  const announce = str(top.announce);
  let announceList: string[][] = [];
  if (Array.isArray(top['announce-list'])) {
    announceList = top['announce-list']
      .filter((tier: unknown) => Array.isArray(tier))
      .map((tier: unknown[]) => tier.map(str).filter((u): u is string => !!u))
      .filter((tier: string[]) => tier.length > 0);
  }
  if (announceList.length === 0 && announce) announceList = [[announce]];
  const infoHash = createHash('sha1').update(torrent.subarray(span.start, span.end)).digest();
  const created = top['creation date'];
  return {
    infoHash,
    infoHashHex: infoHash.toString('hex'),
    name,
    length,
    files,
    multiFile,
    pieceLength,
    pieceCount,
    pieceHashes: pieces,
    private: info.private === 1,
    announce,
    announceList,
    torrent,
    creationDate: Number.isSafeInteger(created) && created > 0 ? created : undefined,
  };
}

/** About 1,000–2,000 pieces, a power of two between 16 KiB and 16 MiB. */
export function choosePieceLength(fileSize: number): number {
  let pl = MIN_PIECE_LENGTH;
  while (pl < 16 * 1024 * 1024 && fileSize / pl > 2000) pl *= 2;
  return pl;
}

export interface CreateOptions {
  announce?: string;
  announceList?: string[][];
  pieceLength?: number;
  name?: string;
  private?: boolean;
  comment?: string;
  /** called with bytes hashed so far */
  onProgress?: (hashed: number, total: number) => void;
  signal?: AbortSignal;
  /** hashes small files in its worker (SMALL_FILE_BYTES) */
  hasher?: Hasher;
}

/** A file's torrent and the file as it was hashed. */
export interface HashedFile {
  meta: Metainfo;
  /** size and mtime when hashing began */
  state: { size: number; mtimeMs: number };
  /** false: its mtime changed while it was read, so the hashes may mix two versions */
  stable: boolean;
}

/** bytes per read while hashing (a piece, if larger): a small file is one read into a buffer of its size */
const READ_CHUNK = 1 << 20;
/**
 * Given a hasher, files up to this size are read and hashed whole in its worker: a folder of thousands
 * of small files then costs the main thread a message per file. Every size up to it gets 16 KiB pieces.
 */
export const SMALL_FILE_BYTES = 4 * 1024 * 1024;

/** Hashes a file (memory does not depend on its size) and builds its .torrent. */
export async function createTorrent(path: string, opts: CreateOptions = {}): Promise<Metainfo> {
  return (await createTorrentOf(path, opts)).meta;
}

/** A file's pieces hashed, and the file as it was. */
interface HashedPieces {
  size: number;
  mtimeMs: number;
  pieceLength: number;
  hashes: Buffer;
  stable: boolean;
}

/**
 * Hashes a file — a small one whole in `opts.hasher`'s worker, others through one open handle in reads
 * of at most 1 MiB, a stat before and after — and builds its .torrent. Fails if the file grew or shrank
 * meanwhile; `stable` says whether it was written to at all.
 */
export async function createTorrentOf(path: string, opts: CreateOptions = {}): Promise<HashedFile> {
  opts.signal?.throwIfAborted();
  if (opts.pieceLength !== undefined) checkPieceLength(opts.pieceLength);
  const h = (opts.hasher && (await hashInWorker(path, opts.hasher, opts))) || (await hashInStream(path, opts));
  const info: Record<string, unknown> = {
    length: h.size,
    name: opts.name ?? basename(path),
    'piece length': h.pieceLength,
    pieces: h.hashes,
  };
  if (opts.private) info.private = 1;
  const top: Record<string, unknown> = { info, 'created by': 'STA', 'creation date': Math.floor(Date.now() / 1000) };
  if (opts.announce) top.announce = opts.announce;
  if (opts.announceList && opts.announceList.length > 0) {
    top['announce-list'] = opts.announceList;
    top.announce ??= opts.announceList[0][0];
  }
  if (opts.comment) top.comment = opts.comment;
  return { meta: parseTorrent(encode(top)), state: { size: h.size, mtimeMs: h.mtimeMs }, stable: h.stable };
}

function checkPieceLength(pieceLength: number): void {
  if (pieceLength < MIN_PIECE_LENGTH || pieceLength > MAX_PIECE_LENGTH || (pieceLength & (pieceLength - 1)) !== 0) {
    const shown = Number.isSafeInteger(pieceLength) ? pieceLength : '(not an integer)'; // a hostile dict may carry its own toString
    fail(`piece length ${shown} is not a power of two between ${MIN_PIECE_LENGTH} and ${MAX_PIECE_LENGTH}`);
  }
}

/** A small file read and hashed in the worker; undefined when it is larger (then it is streamed). */
async function hashInWorker(path: string, hasher: Hasher, opts: CreateOptions): Promise<HashedPieces | undefined> {
  const pieceLength = opts.pieceLength ?? choosePieceLength(SMALL_FILE_BYTES);
  const r = await hasher.hashFile(path, pieceLength, SMALL_FILE_BYTES);
  opts.signal?.throwIfAborted();
  if (!r.file) fail(`${path} is not a regular file`);
  if (r.size === 0) fail(`${path} is empty; there is nothing to share`);
  if (!r.hashes) return undefined;
  if (r.read !== r.size || r.afterSize !== r.size) fail(`${path} changed while it was being hashed`);
  opts.onProgress?.(r.size, r.size);
  return { size: r.size, mtimeMs: r.mtimeMs, pieceLength, hashes: r.hashes, stable: r.afterMtimeMs === r.mtimeMs };
}

async function hashInStream(path: string, opts: CreateOptions): Promise<HashedPieces> {
  const fh = await fsp.open(path, 'r');
  try {
    const st = await fh.stat();
    if (!st.isFile()) fail(`${path} is not a regular file`);
    if (st.size === 0) fail(`${path} is empty; there is nothing to share`);
    const pieceLength = opts.pieceLength ?? choosePieceLength(st.size);
    const hashes = await hashPieces(fh, st.size, pieceLength, path, opts);
    const after = await fh.stat();
    if (after.size !== st.size) fail(`${path} changed while it was being hashed`);
    return { size: st.size, mtimeMs: st.mtimeMs, pieceLength, hashes, stable: after.mtimeMs === st.mtimeMs };
  } finally {
    await fh.close();
  }
}

/** SHA-1 of each piece of the `size` bytes of `fh`, read in order (a small file in one read). */
async function hashPieces(fh: FileHandle, size: number, pieceLength: number, path: string, opts: CreateOptions): Promise<Buffer> {
  const pieceCount = Math.ceil(size / pieceLength);
  const hashes = Buffer.alloc(pieceCount * HASH_SIZE);
  const buf = Buffer.allocUnsafe(Math.min(size, Math.max(pieceLength, READ_CHUNK)));
  let index = 0;
  let filled = 0;
  let hashed = 0;
  let h = createHash('sha1');
  while (hashed < size) {
    opts.signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - hashed), hashed);
    if (bytesRead === 0) break;
    let off = 0;
    while (off < bytesRead) {
      const take = Math.min(pieceLength - filled, bytesRead - off);
      h.update(buf.subarray(off, off + take));
      filled += take;
      off += take;
      if (filled === pieceLength) {
        h.digest().copy(pieceHash(hashes, index++));
        h = createHash('sha1');
        filled = 0;
      }
    }
    hashed += bytesRead;
    opts.onProgress?.(hashed, size);
  }
  if (filled > 0) h.digest().copy(pieceHash(hashes, index++));
  if (index !== pieceCount || hashed !== size) fail(`${path} changed while it was being hashed`); // shrunk: a read came up short
  return hashes;
}

export function magnetUri(m: Pick<Metainfo, 'infoHashHex' | 'name' | 'length' | 'announceList'>): string {
  const parts = [`xt=urn:btih:${m.infoHashHex}`, `dn=${encodeURIComponent(m.name)}`, `xl=${m.length}`];
  for (const tier of m.announceList) for (const url of tier) parts.push(`tr=${encodeURIComponent(url)}`);
  return `magnet:?${parts.join('&')}`;
}

export interface Magnet {
  infoHashHex: string;
  name?: string;
  trackers: string[];
}

export function parseMagnet(uri: string): Magnet {
  if (!uri.startsWith('magnet:?')) fail('not a magnet link');
  const params = new URLSearchParams(uri.slice('magnet:?'.length));
  let infoHashHex: string | undefined;
  for (const xt of params.getAll('xt')) {
    const m = /^urn:btih:([0-9a-fA-F]{40}|[A-Za-z2-7]{32})$/.exec(xt);
    if (!m) continue;
    infoHashHex = m[1].length === 40 ? m[1].toLowerCase() : base32ToHex(m[1]);
  }
  if (!infoHashHex) fail('magnet link has no BitTorrent v1 info-hash (xt=urn:btih:…)');
  return { infoHashHex: infoHashHex!, name: params.get('dn') ?? undefined, trackers: params.getAll('tr') };
}

function base32ToHex(s: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2))).toString('hex');
}
