// The BEP 3 handshake as we check the peer's: it must name our torrent (or, on a connection
// we accepted, one we serve) and must not come from ourselves.
import { ProtocolError } from './frameParser';

export interface HandshakeCheck {
  ourPeerId: Buffer;
  /** the torrent we dialled for; undefined on a connection we accepted */
  infoHash?: Buffer;
  /** accepted connections: the piece count of a torrent we serve, undefined for any other */
  resolve?: (infoHash: Buffer) => number | undefined;
}

export interface PeerHandshake {
  infoHash: Buffer;
  peerId: Buffer;
  /** set when `resolve` looked the torrent up */
  pieceCount?: number;
}

/** The torrent and peer the handshake names, copied out of the socket's buffer; throws ProtocolError. */
export function checkHandshake(h: { infoHash: Buffer; peerId: Buffer }, c: HandshakeCheck): PeerHandshake {
  let pieceCount: number | undefined;
  if (c.infoHash) {
    if (!h.infoHash.equals(c.infoHash)) throw new ProtocolError('handshake for another torrent');
  } else {
    pieceCount = c.resolve?.(h.infoHash);
    if (pieceCount === undefined) throw new ProtocolError(`handshake for unknown torrent ${h.infoHash.toString('hex')}`);
  }
  if (h.peerId.equals(c.ourPeerId)) throw new ProtocolError('connected to ourselves');
  return { infoHash: c.infoHash ?? Buffer.from(h.infoHash), peerId: Buffer.from(h.peerId), pieceCount };
}
