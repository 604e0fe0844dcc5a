// A peer connection without a socket: a test sets its flags, plays the peer by firing its
// events, and reads what the session's parts sent it.
import { randomBytes } from 'node:crypto';
import { Bitfield } from '../../../../src/core/bitfield';
import { TypedEmitter } from '../../../../src/core/events';
import { blockKey, BlockRequest } from '../../../../src/core/pieces';
import type { PeerEvents } from '../../../../src/core/wire/peerConnection';

interface Sent extends BlockRequest {
  sentAt: number;
}

export class FakeConnection extends TypedEmitter<PeerEvents> {
  ready = true;
  closed = false;
  closeReason = '';
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  writeBacklog = 0;
  lastBlockAt = Date.now();
  downloaded = 0;
  uploaded = 0;
  peerId: Buffer = randomBytes(20);
  have: Bitfield;
  /** the have-sets we announced to the peer */
  readonly bitfields: Bitfield[] = [];
  /** requests we sent that await their block */
  readonly inFlight = new Map<number, Sent>();
  /** everything sent, in order */
  readonly requests: BlockRequest[] = [];
  readonly cancels: BlockRequest[] = [];
  readonly haves: number[] = [];
  readonly blocks: { index: number; begin: number; data: Buffer }[] = [];
  /** the peer's requests waiting to be served */
  readonly queue: BlockRequest[] = [];
  /** the info dict the session offered for BEP 9 */
  metadata?: () => Buffer | undefined;
  readonly extensions = { offerMetadata: (source: () => Buffer | undefined) => void (this.metadata = source) };

  constructor(pieceCount: number, readonly address = '10.0.0.1:6881', readonly outgoing = false) {
    super();
    this.have = new Bitfield(pieceCount);
  }

  /** Plays the peer: an event as the wire would raise it. */
  fire<K extends keyof PeerEvents & string>(event: K, ...args: PeerEvents[K]): void {
    this.emit(event, ...args);
  }

  /** The peer sends its whole have-set. */
  sendsBitfield(pieces: number[] | 'all'): void {
    const previous = this.have;
    this.have = new Bitfield(previous.length);
    if (pieces === 'all') this.have.setAll();
    else for (const i of pieces) this.have.set(i);
    this.fire('bitfield', previous);
  }

  /** The peer unchokes us. */
  unchokes(): void {
    this.peerChoking = false;
    this.fire('unchoke');
  }

  /** The peer sends a block we asked for. */
  delivers(index: number, begin: number, data: Buffer): void {
    if (!this.inFlight.delete(blockKey(index, begin))) throw new Error(`block ${index}:${begin} was not asked of ${this.address}`);
    this.lastBlockAt = Date.now();
    this.fire('block', index, begin, data, data.length);
  }

  /** The peer asks us for a block. */
  asks(req: BlockRequest): void {
    this.queue.push(req);
    this.fire('request', req);
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  hasRequested(index: number, begin: number): boolean {
    return this.inFlight.has(blockKey(index, begin));
  }

  requestMany(reqs: BlockRequest[]): void {
    for (const r of reqs) {
      this.inFlight.set(blockKey(r.index, r.begin), { ...r, sentAt: Date.now() });
      this.requests.push(r);
    }
  }

  cancel(index: number, begin: number, length: number): void {
    if (this.inFlight.delete(blockKey(index, begin))) this.cancels.push({ index, begin, length });
  }

  cancelSentBefore(time: number): BlockRequest[] {
    const stale = [...this.inFlight.values()].filter((r) => r.sentAt < time);
    for (const r of stale) this.cancel(r.index, r.begin, r.length);
    return stale;
  }

  interested(want: boolean): void {
    this.amInterested = want;
  }

  choke(): void {
    this.amChoking = true;
  }

  unchoke(): void {
    this.amChoking = false;
  }

  sendBitfield(bits: Bitfield): void {
    this.bitfields.push(bits);
  }

  sendHave(index: number): void {
    this.haves.push(index);
  }

  nextRequest(): BlockRequest | undefined {
    return this.queue.shift();
  }

  /** false: blocks wait in the socket (their `sent` runs at kernelTakes()) */
  kernelTakesAtOnce = true;
  private readonly waiting: (() => void)[] = [];
  /** the memory each block was sent from (the views themselves, not copies) */
  readonly sentFrom: ArrayBufferLike[] = [];

  sendBlock(index: number, begin: number, data: Buffer, sent?: (bytes: number) => void): boolean {
    this.blocks.push({ index, begin, data: Buffer.from(data) });
    this.sentFrom.push(data.buffer);
    if (this.kernelTakesAtOnce) sent?.(data.length);
    else this.waiting.push(() => sent?.(data.length));
    return true;
  }

  /** The kernel took every block sent so far. */
  kernelTakes(): void {
    for (const done of this.waiting.splice(0)) done();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.fire('close', reason);
  }
}
