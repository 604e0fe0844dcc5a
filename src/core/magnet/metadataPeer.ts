// A connection used only to fetch a torrent's metadata (BEP 9): the BEP 3 handshake with the
// BEP 10 bit, the extended handshake, ut_metadata messages. The piece count is not known yet,
// so bitfields and haves are read and ignored; nothing else of BEP 3 is spoken.
import type { Socket } from 'node:net';
import { TypedEmitter } from '../events';
import { speaksExtensions, type PeerExtensions } from '../wire/extensionProtocol';
import { Extensions } from '../wire/extensions';
import { FrameParser, ProtocolError } from '../wire/frameParser';
import { checkHandshake } from '../wire/handshake';
import * as M from '../wire/messages';
import { PeerIo } from '../wire/peerIo';
import type { MetadataMessage } from '../wire/utMetadata';

export type MetadataPeerEvents = {
  /** the peer's extended handshake (again when it sends another) */
  extensions: [peer: PeerExtensions];
  /** a ut_metadata data or reject message */
  metadata: [msg: MetadataMessage];
  close: [reason: string];
};

export interface MetadataPeerOptions {
  infoHash: Buffer;
  ourPeerId: Buffer;
  outgoing: boolean;
  /** the handshakes (BEP 3 and BEP 10) must be done within this */
  handshakeTimeoutMs: number;
}

export class MetadataPeer extends TypedEmitter<MetadataPeerEvents> {
  readonly address: string;
  readonly extensions: Extensions;
  private readonly io: PeerIo;
  private readonly parser = new FrameParser();
  private readonly timer: NodeJS.Timeout;
  private handshaken = false;
  private _closed = false;
  private _closeReason = '';

  constructor(socket: Socket, private readonly opts: MetadataPeerOptions) {
    super();
    this.io = new PeerIo(socket, { data: (c) => this.onData(c), close: (reason) => this.close(reason), drain: () => undefined });
    this.address = this.io.address;
    this.parser.anyBitfield = true;
    this.extensions = new Extensions({
      write: (b) => this.io.write(b),
      backlog: () => this.io.backlog,
      onHandshake: (peer) => {
        clearTimeout(this.timer);
        this.emit('extensions', peer);
      },
      onMetadata: (msg) => this.emit('metadata', msg),
    });
    if (opts.outgoing) this.io.write(M.handshake(opts.infoHash, opts.ourPeerId, true));
    this.timer = setTimeout(() => this.close(this.handshaken ? 'sent no extended handshake' : 'handshake timed out'), opts.handshakeTimeoutMs).unref();
  }

  get closed(): boolean {
    return this._closed;
  }

  get closeReason(): string {
    return this._closeReason;
  }

  private onData(chunk: Buffer): void {
    this.parser.push(chunk);
    try {
      if (!this.handshaken && !this.readHandshake()) return;
      for (let f = this.parser.next(); f && !this._closed; f = this.parser.next()) {
        if (f.id === M.Msg.Extended) this.extensions.onMessage(f.payload);
        // the rest of BEP 3 (bitfield, have, choke, requests) means nothing before the metadata
      }
    } catch (e) {
      this.close(e instanceof ProtocolError ? e.message : `internal error: ${(e as Error).message}`);
    }
  }

  private readHandshake(): boolean {
    const h = this.parser.readHandshake();
    if (!h) return false;
    const { infoHash, ourPeerId } = this.opts;
    checkHandshake(h, this.opts.outgoing ? { infoHash, ourPeerId } : { ourPeerId, resolve: (ih) => (ih.equals(infoHash) ? 0 : undefined) });
    if (!speaksExtensions(h.reserved)) throw new ProtocolError('does not speak the extension protocol (BEP 10), so it cannot send metadata');
    if (!this.opts.outgoing) this.io.write(M.handshake(infoHash, ourPeerId, true));
    this.handshaken = true;
    this.parser.extended = this.extensions.enabled = true;
    this.extensions.sendHandshake();
    return true;
  }

  close(reason: string): void {
    if (this._closed) return;
    this._closed = true;
    this._closeReason = reason;
    clearTimeout(this.timer);
    this.io.destroy();
    this.emit('close', reason);
  }
}
