// What a PeerConnection tells the session, and with what.
import type { Bitfield } from '../bitfield';
import type { BlockRequest } from '../pieces';
import type { ReadyConnection } from './peerConnection';

export type PeerEvents = {
  /** handshake done; for incoming connections the session attaches here */
  ready: [conn: ReadyConnection];
  /** the peer's whole have-set, replacing `previous` */
  bitfield: [previous: Bitfield];
  have: [index: number];
  unchoke: [];
  interested: [];
  notInterested: [];
  request: [req: BlockRequest];
  /** a requested block: `data` is one Buffer or, when it spanned socket reads, its parts in order */
  block: [index: number, begin: number, data: Buffer | Buffer[], length: number];
  /** our requests the peer dropped (it choked us, or the connection closed): the downloader asks again */
  dropped: [reqs: BlockRequest[]];
  /** the socket's send buffer emptied: more blocks may go out */
  drain: [];
  close: [reason: string];
};
