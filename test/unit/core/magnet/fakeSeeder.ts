// A scripted peer on loopback that "has" a torrent's info dict: it answers our handshake, sends the
// extended handshake a test gives it, and answers ut_metadata requests honestly or as told.
import { createServer, Server, Socket } from 'node:net';
import { encode } from '../../../../src/core/bencode';
import * as M from '../../../../src/core/wire/messages';
import { extMessage, RawPeer, splitExtension } from '../wire/rawPeer';

/** the id this fake takes ut_metadata messages under */
export const FAKE_UT = 5;

export interface FakeSeederOptions {
  /** the extended handshake's body: a dict, or raw bytes; default { m: { ut_metadata: FAKE_UT }, metadata_size } */
  handshake?: Record<string, unknown> | Buffer;
  /** set the BEP 10 bit (default true) */
  extensionBit?: boolean;
  /** wait this long before the extended handshake */
  delayMs?: number;
  /**
   * The messages that answer a request for `piece` (default: the honest data message). `honest(p)` is
   * that message for piece p; `data(p, bytes, totalSize?)` builds a data message with any bytes.
   */
  answer?: (piece: number, kit: AnswerKit) => Buffer[];
}

export interface AnswerKit {
  honest: (piece: number) => Buffer;
  data: (piece: number, bytes: Buffer, totalSize?: number) => Buffer;
  reject: (piece: number) => Buffer;
}

export class FakeSeeder {
  /** pieces asked of this fake, in order */
  readonly requests: number[] = [];
  connections = 0;
  readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly dict: Buffer,
    private readonly infoHash: Buffer,
    private readonly o: FakeSeederOptions,
  ) {}

  static async start(dict: Buffer, infoHash: Buffer, o: FakeSeederOptions = {}): Promise<FakeSeeder> {
    let self!: FakeSeeder;
    const server = createServer((socket) => self.play(socket, false));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeSeeder(server, (server.address() as { port: number }).port, dict, infoHash, o);
    return self;
  }

  /** Dials a peer at `port` (a seeder that learnt of a magnet fetcher from the tracker) and plays the same part. */
  async dial(port: number): Promise<void> {
    const peer = await RawPeer.connect(port);
    this.play(peer.socket, true, peer);
  }

  private play(socket: Socket, dialled: boolean, peer = new RawPeer(socket)): void {
    const { dict, infoHash, o } = this;
    this.connections++;
    this.sockets.add(socket);
    let theirUt = 0;
    const data = (piece: number, bytes: Buffer, totalSize = dict.length) => extMessage(theirUt, encode({ msg_type: 1, piece, total_size: totalSize }), bytes);
    const kit: AnswerKit = {
      honest: (piece) => data(piece, dict.subarray(piece * 16384, (piece + 1) * 16384)),
      data,
      reject: (piece) => extMessage(theirUt, { msg_type: 2, piece }),
    };
    const ourHandshake = M.handshake(infoHash, M.makePeerId(), o.extensionBit ?? true);
    if (dialled) peer.write(ourHandshake);
    peer.onHandshake = () => {
      peer.write(...(dialled ? [] : [ourHandshake]), M.bitfield(Buffer.alloc(3, 0xff)));
      const hello = o.handshake ?? { m: { ut_metadata: FAKE_UT }, metadata_size: dict.length };
      const send = () => peer.write(extMessage(0, hello));
      if (o.delayMs) setTimeout(send, o.delayMs);
      else send();
    };
    peer.onFrame = (f) => {
      if (f.id !== M.Msg.Extended) return;
      const msg = splitExtension(f.payload);
      if (msg.extId === 0) theirUt = msg.dict.m?.ut_metadata ?? 0;
      if (msg.extId !== FAKE_UT || msg.dict.msg_type !== 0) return;
      this.requests.push(msg.dict.piece);
      peer.write(...(o.answer ? o.answer(msg.dict.piece, kit) : [kit.honest(msg.dict.piece)]));
    };
  }

  get address(): { ip: string; port: number } {
    return { ip: '127.0.0.1', port: this.port };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
