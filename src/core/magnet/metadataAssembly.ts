// One attempt at putting a torrent's info dict together from BEP 9 pieces: which piece is asked
// of whom, which arrived from whom, and whether the whole hashes to the info-hash. One buffer of
// the announced size (capped by the caller), never more.
import { createHash } from 'node:crypto';
import { metadataPieceCount, metadataPieceLength, METADATA_PIECE } from '../wire/utMetadata';

export type Verdict = { ok: true; dict: Buffer } | { ok: false; contributors: Set<string> };

export class MetadataAssembly {
  readonly pieceCount: number;
  private readonly buf: Buffer;
  /** who sent each piece we hold */
  private readonly from: (string | undefined)[];
  /** piece → the peer asked for it and when */
  private readonly asked = new Map<number, { peer: string; at: number }>();
  private have = 0;

  /** `solo`: only this peer may contribute (after several peers together produced a dict that hashed wrong). */
  constructor(readonly size: number, readonly solo?: string) {
    this.pieceCount = metadataPieceCount(size);
    this.buf = Buffer.alloc(size);
    this.from = new Array(this.pieceCount).fill(undefined);
  }

  get complete(): boolean {
    return this.have === this.pieceCount;
  }

  /** May `peer` (offering a dict of `size` bytes) help with this assembly? */
  accepts(peer: string, size: number): boolean {
    return size === this.size && (this.solo === undefined || this.solo === peer);
  }

  /** requests of `peer` awaiting an answer */
  inFlight(peer: string): number {
    let n = 0;
    for (const a of this.asked.values()) if (a.peer === peer) n++;
    return n;
  }

  /** The next piece nobody holds or has been asked for, marked as asked of `peer`; undefined when there is none. */
  next(peer: string, now: number): number | undefined {
    for (let i = 0; i < this.pieceCount; i++) {
      if (this.from[i] !== undefined || this.asked.has(i)) continue;
      this.asked.set(i, { peer, at: now });
      return i;
    }
    return undefined;
  }

  /** Stores a data message; an error (the peer is to be dropped) when it was not asked of `peer` or has the wrong length. */
  received(peer: string, piece: number, data: Buffer): string | undefined {
    if (this.asked.get(piece)?.peer !== peer) return `sent metadata piece ${piece}, which we did not ask it for`;
    const want = metadataPieceLength(this.size, piece);
    if (data.length !== want) return `sent ${data.length} bytes for metadata piece ${piece} (must be ${want})`;
    this.asked.delete(piece);
    data.copy(this.buf, piece * METADATA_PIECE);
    this.from[piece] = peer;
    this.have++;
    return undefined;
  }

  /** `peer` refused piece `piece` (or will not answer): someone may be asked again. */
  rejected(peer: string, piece: number): void {
    if (this.asked.get(piece)?.peer === peer) this.asked.delete(piece);
  }

  /** `peer` is gone: its pieces in flight are free again (what it already sent stays, to be judged by the hash). */
  release(peer: string): void {
    for (const [piece, a] of this.asked) if (a.peer === peer) this.asked.delete(piece);
  }

  /** Peers with a request older than `before`. */
  overdue(before: number): Set<string> {
    const late = new Set<string>();
    for (const a of this.asked.values()) if (a.at < before) late.add(a.peer);
    return late;
  }

  /** Once complete: the dict when its SHA-1 is `infoHash`, else everyone who contributed. */
  verify(infoHash: Buffer): Verdict {
    if (createHash('sha1').update(this.buf).digest().equals(infoHash)) return { ok: true, dict: this.buf };
    return { ok: false, contributors: new Set(this.from.filter((p): p is string => p !== undefined)) };
  }
}
