// One BitTorrent conversation with one peer over one socket: handshake, the four
// choke/interest flags, the peer's have-set, our outstanding requests and theirs.
// Swarm-level decisions (what to request, whom to unchoke) live in the session.
import type { Socket } from 'node:net';
import { Bitfield } from '../bitfield';
import { TypedEmitter } from '../events';
import type { BlockRequest } from '../pieces';
import { speaksExtensions } from './extensionProtocol';
import { Extensions } from './extensions';
import { HaveBatch } from './haveBatch';
import { FrameParser, ProtocolError } from './frameParser';
import { checkHandshake, HandshakeCheck } from './handshake';
import * as M from './messages';
import { PeerIo, PooledReads } from './peerIo';
import { PeerRequests, readRequest } from './peerRequests';
import type { PeerEvents } from './peerEvents';
import { RequestsInFlight } from './requestsInFlight';

export type { PeerEvents } from './peerEvents';

/** A connection past its handshake: the peer's id, the torrent and the peer's have-set are known. */
export type ReadyConnection = PeerConnection & { readonly peerId: Buffer; readonly infoHash: Buffer; readonly have: Bitfield };

export interface PeerConnectionOptions extends HandshakeCheck {
  outgoing: boolean;
  /** known when we dial: sizes the peer's have-set before its handshake */
  pieceCount?: number;
}

const HANDSHAKE_TIMEOUT_MS = 15_000;
/** a peer silent this long is dead */
const IDLE_TIMEOUT_MS = 150_000;
/** keep-alive after a minute of silence on our side, never more often */
const KEEP_ALIVE_MS = 60_000;

export class PeerConnection extends TypedEmitter<PeerEvents> {
  readonly address: string;
  readonly outgoing: boolean;
  private _infoHash?: Buffer;
  private _peerId?: Buffer;
  private _have?: Bitfield;
  private _amChoking = true;
  private _amInterested = false;
  private _peerChoking = true;
  private _peerInterested = false;
  private _closed = false;
  private _closeReason = '';
  /** payload bytes, for rates and accounting */
  private _downloaded = 0;
  private readonly requests = new RequestsInFlight();
  private readonly incoming = new PeerRequests();
  private readonly io: PeerIo;
  /** BEP 10 and ut_metadata: a session offers its info dict here while handling 'ready' */
  readonly extensions: Extensions;
  private readonly parser = new FrameParser();
  private handshaken = false;
  private readonly timer: NodeJS.Timeout;
  private readonly handshakeTimer: NodeJS.Timeout;
  private lastFrameAt = Date.now();
  private pieceCount = 0;
  /** our haves, sent in batches */
  private readonly haves = new HaveBatch((b) => this.io.write(b));

  constructor(socket: Socket, private readonly opts: PeerConnectionOptions, pooled?: PooledReads) {
    super();
    this.outgoing = opts.outgoing;
    this._infoHash = opts.infoHash;
    const handlers = {
      data: (c: Buffer, transient: boolean) => this.onData(c, transient),
      close: (reason: string) => this.close(reason),
      drain: () => this.emit('drain'),
    };
    this.io = new PeerIo(socket, handlers, pooled);
    this.address = this.io.address;
    this.extensions = new Extensions({ write: (b) => this.io.write(b), backlog: () => this.io.backlog });
    this.parser.gatherBlocks = true;
    if (opts.pieceCount) this.setPieceCount(opts.pieceCount);
    if (this.outgoing && opts.infoHash) this.io.write(M.handshake(opts.infoHash, opts.ourPeerId, true));
    this.handshakeTimer = setTimeout(() => this.close('handshake timed out'), HANDSHAKE_TIMEOUT_MS).unref();
    this.timer = setInterval(() => this.tick(), 5_000).unref();
  }

  // the conversation's state: changed only by the wire and by the methods below
  get ready(): boolean { return this.handshaken && !this._closed; }
  get infoHash(): Buffer | undefined { return this._infoHash; }
  get peerId(): Buffer | undefined { return this._peerId; }
  get have(): Bitfield | undefined { return this._have; }
  get amChoking(): boolean { return this._amChoking; }
  get amInterested(): boolean { return this._amInterested; }
  get peerChoking(): boolean { return this._peerChoking; }
  get peerInterested(): boolean { return this._peerInterested; }
  get closed(): boolean { return this._closed; }
  get closeReason(): string { return this._closeReason; }
  get downloaded(): number { return this._downloaded; }
  get uploaded(): number { return this.io.payloadSent; }
  /** our requests awaiting their blocks */
  get requestsInFlight(): number { return this.requests.size; }
  /** when a block we asked for last arrived */
  get lastBlockAt(): number { return this.requests.lastBlockAt; }
  /** bytes queued on the socket: past a limit, wait for 'drain' */
  get writeBacklog(): number { return this.io.backlog; }

  private setPieceCount(n: number): void {
    this.pieceCount = n;
    this.parser.pieceCount = n;
    this._have = new Bitfield(n);
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.io.receivedAt > IDLE_TIMEOUT_MS) return this.close('peer silent for too long');
    // a message trickled a byte at a time would otherwise hold the connection forever
    if (this.parser.bufferedBytes > 0 && now - this.lastFrameAt > IDLE_TIMEOUT_MS) return this.close('message trickled too slowly');
    if (this.handshaken && now - this.io.sentAt > KEEP_ALIVE_MS) this.io.write(M.KEEP_ALIVE);
  }

  /** A `transient` chunk is reused by the next read: its blocks are copied into their pieces before this returns. */
  private onData(chunk: Buffer, transient: boolean): void {
    this.parser.push(chunk, transient);
    try {
      if (!this.handshaken && !this.readHandshake()) return;
      for (let f = this.parser.next(); f && !this._closed; f = this.parser.next()) {
        this.lastFrameAt = this.io.receivedAt;
        if (f.block) this.onBlock(f.payload, f.block);
        else this.onFrame(f.id, f.payload);
      }
    } catch (e) {
      this.close(e instanceof ProtocolError ? e.message : `internal error: ${(e as Error).message}`);
    } finally {
      this.parser.own();
    }
  }

  private readHandshake(): boolean {
    const h = this.parser.readHandshake();
    if (!h) return false;
    const peer = checkHandshake(h, this.opts);
    this._infoHash = peer.infoHash;
    this._peerId = peer.peerId;
    if (peer.pieceCount !== undefined) this.setPieceCount(peer.pieceCount);
    if (!this.outgoing) this.io.write(M.handshake(peer.infoHash, this.opts.ourPeerId, true));
    this.extensions.enabled = this.parser.extended = speaksExtensions(h.reserved);
    this.handshaken = true;
    clearTimeout(this.handshakeTimer);
    // the handshake named the peer and the torrent, and the torrent sized the have-set
    this.emit('ready', this as ReadyConnection);
    // after the session's bitfield (BEP 3 wants it first), with the info dict it offered
    if (!this._closed) this.extensions.sendHandshake();
    return true;
  }

  private onFrame(id: number, p: Buffer): void {
    switch (id) {
      case -1:
        return;
      case M.Msg.Choke:
        if (this._peerChoking) return;
        this._peerChoking = true;
        return this.dropped(this.requests.takeAll(true));
      case M.Msg.Unchoke:
        if (!this._peerChoking) return;
        this._peerChoking = false;
        return this.emit('unchoke');
      case M.Msg.Interested:
        if (this._peerInterested) return;
        this._peerInterested = true;
        return this.emit('interested');
      case M.Msg.NotInterested:
        if (!this._peerInterested) return;
        this._peerInterested = false;
        return this.emit('notInterested');
      case M.Msg.Have: {
        const i = p.readUInt32BE(0);
        if (!this._have || i >= this.pieceCount) throw new ProtocolError(`have ${i} beyond the ${this.pieceCount} pieces`);
        if (this._have.set(i)) this.emit('have', i);
        return;
      }
      case M.Msg.Bitfield: {
        const previous = this._have;
        if (!previous) throw new ProtocolError('bitfield before the torrent is known');
        if (!Bitfield.isValid(p, this.pieceCount)) throw new ProtocolError('bitfield has spare bits set');
        // a late bitfield of the right size (aria2 sends one) replaces the have-set
        this._have = new Bitfield(this.pieceCount, p);
        return this.emit('bitfield', previous);
      }
      case M.Msg.Request:
      case M.Msg.Cancel: {
        const req = readRequest(p, this.pieceCount, id === M.Msg.Cancel);
        if (id === M.Msg.Cancel) return this.incoming.cancel(req);
        if (this._amChoking) return; // BEP 3: requests while choked are ignored
        this.incoming.add(req);
        return this.emit('request', req);
      }
      case M.Msg.Piece:
        return this.onBlock(p, p.subarray(8));
      case M.Msg.Port:
        return; // DHT port: we run no DHT
      case M.Msg.Extended:
        return this.extensions.onMessage(p);
    }
  }

  private onBlock(header: Buffer, data: Buffer | Buffer[]): void {
    const index = header.readUInt32BE(0);
    const begin = header.readUInt32BE(4);
    const length = Buffer.isBuffer(data) ? data.length : data.reduce((n, part) => n + part.length, 0);
    const arrival = this.requests.arrived(index, begin, length);
    if (arrival === 'late') return; // crossed our cancel or choke on the wire
    if (arrival === 'unsolicited') throw new ProtocolError(`unsolicited block ${index}:${begin}+${length}`);
    this._downloaded += length;
    this.emit('block', index, begin, data, length);
  }

  private dropped(reqs: BlockRequest[]): void {
    if (reqs.length > 0) this.emit('dropped', reqs);
  }

  /** The peer's oldest waiting request, taken off its queue to be served. */
  nextRequest(): BlockRequest | undefined {
    return this.incoming.next();
  }

  /** Has this peer been asked for the block at `begin` of piece `index`, with no answer yet? */
  hasRequested(index: number, begin: number): boolean {
    return this.requests.has(index, begin);
  }

  /** Cancels the requests sent before `time` and returns them. */
  cancelSentBefore(time: number): BlockRequest[] {
    const stale = this.requests.sentBefore(time);
    for (const r of stale) this.cancel(r.index, r.begin, r.length);
    return stale;
  }

  sendBitfield(bits: Bitfield): void {
    if (bits.count > 0) this.io.write(M.bitfield(bits.buffer));
  }

  /** Tells the peer we have piece `index`, within HAVE_BATCH_MS (with other haves). */
  sendHave(index: number): void {
    this.haves.add(index);
  }

  choke(): void {
    if (this._amChoking) return;
    this._amChoking = true;
    this.incoming.clear(); // BEP 3: a choke discards their pending requests
    this.io.write(M.CHOKE);
  }

  unchoke(): void {
    if (!this._amChoking) return;
    this._amChoking = false;
    this.io.write(M.UNCHOKE);
  }

  interested(want: boolean): void {
    if (this._amInterested === want) return;
    this._amInterested = want;
    this.io.write(want ? M.INTERESTED : M.NOT_INTERESTED);
  }

  /** Several requests in one buffer: one allocation and one write for the batch. */
  requestMany(reqs: BlockRequest[]): void {
    if (reqs.length === 0) return;
    const now = Date.now();
    for (const r of reqs) this.requests.add(r, now);
    this.haves.flushIfAny();
    this.io.write(M.requests(reqs));
  }

  cancel(index: number, begin: number, length: number): void {
    if (this.requests.cancel(index, begin)) this.io.write(M.cancel(index, begin, length));
  }

  /**
   * Serves a block; false when the socket's buffer is full (wait for 'drain'). Its bytes count as uploaded,
   * and `sent` hears of them, only once the kernel took them: a block queued when the connection closes was never sent.
   */
  sendBlock(index: number, begin: number, data: Buffer, sent?: (bytes: number) => void): boolean {
    if (this._closed) return false;
    this.haves.flushIfAny();
    return this.io.writeBlock(M.pieceHeader(index, begin, data.length), data, sent);
  }

  close(reason: string): void {
    if (this._closed) return;
    this._closed = true;
    this._closeReason = reason;
    clearInterval(this.timer);
    clearTimeout(this.handshakeTimer);
    this.haves.stop();
    this.io.destroy();
    this.dropped(this.requests.takeAll(false));
    this.emit('close', reason);
  }
}
