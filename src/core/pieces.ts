// Piece and block geometry, in one place (as Transmission's block-info): how a torrent's bytes
// divide into pieces of `pieceLength` and pieces into 16 KiB blocks, the keys that name a
// block, and where a piece's SHA-1 sits in the metainfo's `pieces` string.
import type { Bitfield } from './bitfield';

/** BEP 3: blocks are requested 16 KiB at a time; every client refuses more */
export const BLOCK_SIZE = 16 * 1024;
/** a SHA-1 digest, one per piece in the metainfo's `pieces` string */
export const HASH_SIZE = 20;
/** blocks a piece may hold (pieces are at most 64 MiB): block keys pack below this */
export const MAX_BLOCKS_PER_PIECE = 8192;

/** What geometry needs of a torrent. */
export interface PieceGeometry {
  length: number;
  pieceLength: number;
  pieceCount: number;
}

/** One block asked of a peer (or by one). */
export interface BlockRequest {
  index: number;
  begin: number;
  length: number;
}

export function pieceSize(g: PieceGeometry, index: number): number {
  return index === g.pieceCount - 1 ? g.length - g.pieceLength * (g.pieceCount - 1) : g.pieceLength;
}

/** Number of blocks in a piece of `size` bytes. */
export function blockCount(size: number): number {
  return Math.ceil(size / BLOCK_SIZE);
}

/** Length of block `b` of a piece of `size` bytes (the last one may be short). */
export function blockLength(size: number, b: number): number {
  return Math.min(BLOCK_SIZE, size - b * BLOCK_SIZE);
}

/** Block number of the block starting at `begin` (block-aligned offsets only). */
export function blockIndex(begin: number): number {
  return begin / BLOCK_SIZE;
}

/** One number naming a block: unique per (piece, aligned begin). */
export function blockKey(index: number, begin: number): number {
  return index * MAX_BLOCKS_PER_PIECE + begin / BLOCK_SIZE;
}

/** One number naming a stretch of a piece at least a block long (a cache's chunk `chunk`). */
export function chunkKey(index: number, chunk: number): number {
  return index * MAX_BLOCKS_PER_PIECE + chunk;
}

/** The 20-byte SHA-1 piece `index` must hash to (a view of `hashes`). */
export function pieceHash(hashes: Buffer, index: number): Buffer {
  return hashes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
}

/** Bytes of the torrent covered by the verified pieces in `have`. */
export function bytesVerified(g: PieceGeometry, have: Bitfield): number {
  let bytes = have.count * g.pieceLength;
  if (g.pieceCount > 0 && have.has(g.pieceCount - 1)) bytes += pieceSize(g, g.pieceCount - 1) - g.pieceLength;
  return bytes;
}

/** Bytes still to fetch: what a tracker announce calls `left`. */
export function bytesLeft(g: PieceGeometry, have: Bitfield): number {
  return g.length - bytesVerified(g, have);
}
