// One connection's BEP 10 side: our extended handshake, what the peer's told us, routing of
// extension messages by the ids we assigned, and answering BEP 9 `ut_metadata` requests with
// the info dict — within bounds, so a hostile peer cannot make us send it forever.
// Private torrents (BEP 27) are answered too: BEP 27 forbids finding peers outside the tracker
// (DHT, PEX, LPD), not metadata exchange; a peer that reached us through the team's tracker and
// knows the info-hash could fetch every piece anyway, and STA's team torrents are private.
import { ProtocolError } from './frameParser';
import { EXTENDED_HANDSHAKE, extendedHandshake, OUR_UT_METADATA, parseExtendedHandshake, PeerExtensions } from './extensionProtocol';
import { MetadataMessage, MetadataMsg, metadataPieceCount, parseUtMetadata, utMetadataMessage, METADATA_PIECE } from './utMetadata';

/** the raw bytes of the torrent's info dict, or undefined while we do not have them */
export type InfoDictSource = () => Buffer | undefined;

export interface ExtensionsHost {
  /** queues bytes on the socket */
  write(b: Buffer): boolean;
  /** bytes written but not yet taken by the kernel */
  backlog(): number;
  /** the peer's extended handshake arrived (a later one updates `peer`) */
  onHandshake?(peer: PeerExtensions): void;
  /** a ut_metadata data or reject message (requests are answered here) */
  onMetadata?(msg: MetadataMessage): void;
}

/**
 * Each metadata piece is answered about this many times per connection: an honest fetcher needs
 * one round, two more cover retries after another peer lied. Past that, requests are rejected.
 */
const SERVE_ROUNDS = 3;
/** requests past the answered ones (all rejected) before the peer counts as flooding */
const MAX_REJECTED = 256;
/** a peer that leaves this much unread gets rejects, not more 16 KiB pieces */
const MAX_BACKLOG = 1 << 20;

export class Extensions {
  /** the peer set the BEP 10 bit: we may send extension messages */
  enabled = false;
  /** what the peer's extended handshakes said */
  readonly peer: PeerExtensions = { ids: new Map() };
  private infoDict?: InfoDictSource;
  private answered = 0;
  private rejected = 0;

  constructor(private readonly host: ExtensionsHost) {}

  /** Serve ut_metadata from `source` (a seeding or downloading torrent's info dict); before sendHandshake, to announce its size. */
  offerMetadata(source: InfoDictSource): void {
    this.infoDict = source;
  }

  /** The id the peer takes ut_metadata messages under; undefined when it does not speak BEP 9. */
  get peerUtMetadata(): number | undefined {
    return this.peer.ids.get('ut_metadata');
  }

  sendHandshake(): void {
    if (this.enabled) this.host.write(extendedHandshake(this.infoDict?.()?.length));
  }

  /** Asks the peer for piece `piece` of the metadata (the caller checked peerUtMetadata). */
  requestMetadata(piece: number): void {
    const id = this.peerUtMetadata;
    if (id === undefined) throw new Error('the peer does not speak ut_metadata');
    this.host.write(utMetadataMessage(id, MetadataMsg.Request, piece));
  }

  /** A message 20 (payload: the extension id, then its body). Throws ProtocolError on a malformed one. */
  onMessage(p: Buffer): void {
    const body = p.subarray(1);
    if (p[0] === EXTENDED_HANDSHAKE) {
      parseExtendedHandshake(body, this.peer);
      return this.host.onHandshake?.(this.peer);
    }
    // an id we never assigned is an extension we did not advertise: ignored, not fatal
    if (p[0] !== OUR_UT_METADATA) return;
    const msg = parseUtMetadata(body);
    if (msg.type === MetadataMsg.Request) return this.answer(msg.piece);
    this.host.onMetadata?.(msg);
  }

  private answer(piece: number): void {
    const id = this.peerUtMetadata;
    if (id === undefined) throw new ProtocolError('ut_metadata request from a peer that never said it speaks ut_metadata');
    const dict = this.infoDict?.();
    const pieces = dict ? metadataPieceCount(dict.length) : 0;
    if (!dict || piece >= pieces || this.answered >= SERVE_ROUNDS * pieces || this.host.backlog() > MAX_BACKLOG) {
      if (++this.rejected > MAX_REJECTED) throw new ProtocolError(`more than ${MAX_REJECTED} metadata requests refused`);
      this.host.write(utMetadataMessage(id, MetadataMsg.Reject, piece));
      return;
    }
    this.answered++;
    const bytes = dict.subarray(piece * METADATA_PIECE, (piece + 1) * METADATA_PIECE);
    this.host.write(utMetadataMessage(id, MetadataMsg.Data, piece, { totalSize: dict.length, bytes }));
  }
}
