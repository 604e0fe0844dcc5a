// Splits a peer's byte stream into the handshake and length-prefixed frames. Chunks are
// queued, not concatenated, so a frame is copied at most once (and not at all when it
// sits inside one chunk); every length is checked against its message id before the
// bytes are buffered.
import { MAX_PIECES } from '../metainfo';
import { BLOCK_SIZE } from '../pieces';
import { HANDSHAKE_LENGTH, Msg, PROTOCOL, REQUEST_LENGTH } from './messages';

export class ProtocolError extends Error {}

export interface Frame {
  id: number; // -1 for keep-alive
  payload: Buffer; // without the id byte
  /**
   * With `gatherBlocks`, a piece message that spans socket chunks keeps its block as views of
   * those chunks (`payload` is then only the 8-byte index/begin header): the block is copied
   * once, into its piece, instead of twice.
   */
  block?: Buffer[];
}

/** Largest frame before the torrent is known, and ever (a piece of one 16 KiB block + header). */
const MAX_FRAME = 1 + 8 + BLOCK_SIZE;
/** Largest BEP 10 message: a 16 KiB metadata piece after its small dict, or an extended handshake (a few hundred bytes in practice). */
export const MAX_EXTENDED_FRAME = 2 + BLOCK_SIZE + 8 * 1024;
/** A bitfield on a connection that does not know the torrent yet (fetching its metadata): at most the largest torrent's. */
const MAX_ANY_BITFIELD = 1 + MAX_PIECES / 8;

/** What a frame's length is checked against. */
interface FrameRules {
  pieceCount: number;
  extended: boolean;
  anyBitfield: boolean;
}

export class FrameParser {
  private chunks: Buffer[] = [];
  private offset = 0; // read position inside chunks[0]
  private buffered = 0;
  private handshakeDone = false;
  /** set once the torrent is known; bounds the bitfield length */
  pieceCount = 0;
  gatherBlocks = false;
  /** the peer set the BEP 10 bit: extension messages (id 20) are allowed */
  extended = false;
  /** a metadata-only connection: a bitfield of any plausible size is read (and ignored by the caller) */
  anyBitfield = false;
  /** a chunk pushed since the last own() is reused by its owner afterwards */
  private transient = false;

  /**
   * `transient`: the chunk is reused once the caller returns (a shared read buffer). Frames read
   * from it are views until then; an extension message, which may be kept, is a copy; `own()`
   * copies what is left of it.
   */
  push(chunk: Buffer, transient = false): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.transient ||= transient;
  }

  /** After a transient chunk: what is still buffered is copied into memory of its own. */
  own(): void {
    if (!this.transient) return;
    this.transient = false;
    if (this.buffered === 0) {
      this.chunks.length = 0;
      this.offset = 0;
      return;
    }
    const rest = this.copyOut(this.buffered, false);
    this.chunks = [rest];
    this.offset = 0;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The 68-byte handshake, or undefined until it has arrived. */
  readHandshake(): { reserved: Buffer; infoHash: Buffer; peerId: Buffer } | undefined {
    if (this.handshakeDone) throw new Error('handshake already read');
    if (this.buffered >= 1) {
      const first = this.peek(Math.min(this.buffered, PROTOCOL.length));
      if (!PROTOCOL.subarray(0, first.length).equals(first)) throw new ProtocolError('not a BitTorrent handshake');
    }
    if (this.buffered < HANDSHAKE_LENGTH) return undefined;
    const h = this.take(HANDSHAKE_LENGTH);
    this.handshakeDone = true;
    return { reserved: h.subarray(20, 28), infoHash: h.subarray(28, 48), peerId: h.subarray(48, 68) };
  }

  /** Next complete frame, undefined if more bytes are needed; throws ProtocolError on a bad frame. */
  next(): Frame | undefined {
    if (this.buffered < 4) return undefined;
    const head = this.peek(Math.min(5, this.buffered));
    const len = head.readUInt32BE(0);
    if (len === 0) {
      this.skip(4);
      return { id: -1, payload: EMPTY };
    }
    if (len > MAX_FRAME && !this.mayBeLong(len)) throw new ProtocolError(`frame of ${len} bytes is over the ${MAX_FRAME}-byte limit`);
    if (head.length < 5) return undefined;
    checkLength(head[4], len, this);
    if (this.buffered < 4 + len) return undefined;
    this.skip(5);
    if (this.gatherBlocks && head[4] === Msg.Piece && this.chunks[0].length - this.offset < len - 1) {
      const header = this.take(8);
      return { id: Msg.Piece, payload: header, block: this.takeViews(len - 9) };
    }
    const payload = this.take(len - 1);
    return { id: head[4], payload: this.transient && head[4] === Msg.Extended ? Buffer.from(payload) : payload };
  }

  /** A length over MAX_FRAME that some message may have: the id byte decides. */
  private mayBeLong(len: number): boolean {
    if (this.pieceCount > 0 && len === 1 + Math.ceil(this.pieceCount / 8)) return true;
    return (this.extended && len <= MAX_EXTENDED_FRAME) || (this.anyBitfield && len <= MAX_ANY_BITFIELD);
  }

  /** The next `n` bytes as views of the queued chunks, consumed. */
  private takeViews(n: number): Buffer[] {
    const out: Buffer[] = [];
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0];
      const take = Math.min(first.length - this.offset, n);
      out.push(first.subarray(this.offset, this.offset + take));
      n -= take;
      if (this.offset + take === first.length) {
        this.chunks.shift();
        this.offset = 0;
      } else {
        this.offset += take;
      }
    }
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    return this.copyOut(n, false);
  }

  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.chunks[0];
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.skip(n);
      return out;
    }
    return this.copyOut(n, true);
  }

  private skip(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0];
      const avail = first.length - this.offset;
      if (avail > n) {
        this.offset += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.offset = 0;
    }
  }

  private copyOut(n: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    let off = this.offset;
    while (filled < n) {
      const c = this.chunks[i];
      const take = Math.min(c.length - off, n - filled);
      c.copy(out, filled, off, off + take);
      filled += take;
      i++;
      off = 0;
    }
    if (consume) this.skip(n);
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

function checkLength(id: number, len: number, rules: FrameRules): void {
  const exact = (want: number) => {
    if (len !== want) throw new ProtocolError(`message ${id} with length ${len} (must be ${want})`);
  };
  switch (id) {
    case Msg.Choke:
    case Msg.Unchoke:
    case Msg.Interested:
    case Msg.NotInterested:
      return exact(1);
    case Msg.Have:
      return exact(5);
    case Msg.Bitfield:
      if (rules.pieceCount > 0) return exact(1 + Math.ceil(rules.pieceCount / 8));
      if (!rules.anyBitfield) throw new ProtocolError('bitfield before the torrent is known');
      if (len > MAX_ANY_BITFIELD) throw new ProtocolError(`bitfield of ${len - 1} bytes is larger than any torrent's`);
      return;
    case Msg.Request:
    case Msg.Cancel:
      return exact(REQUEST_LENGTH - 4);
    case Msg.Piece:
      if (len < 10 || len > 9 + BLOCK_SIZE) throw new ProtocolError(`piece message of ${len} bytes (blocks are 1..${BLOCK_SIZE})`);
      return;
    case Msg.Port:
      return exact(3);
    case Msg.Extended:
      if (!rules.extended) break; // the peer did not set the BEP 10 bit
      if (len < 2 || len > MAX_EXTENDED_FRAME) throw new ProtocolError(`extension message of ${len} bytes (must be 2..${MAX_EXTENDED_FRAME})`);
      return;
  }
  throw new ProtocolError(`unknown message id ${id}`);
}
