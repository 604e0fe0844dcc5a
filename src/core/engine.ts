// One STA peer: a peer id, a listening socket, and a session per torrent it seeds or fetches.
// The CLI and the extension both drive this class; it knows nothing about either.
import { createServer, Server, Socket } from 'node:net';
import { TypedEmitter } from './events';
import { Logger, silentLogger } from './log';
import { createTorrent, Metainfo } from './metainfo';
import { Hasher } from './storage/hasher';
import { PieceStore } from './storage/pieceStore';
import { Throttle } from './session/throttle';
import { TorrentSession } from './session/torrentSession';
import { announceUrlOf } from './trackerClient/urls';
import { makePeerId } from './wire/messages';
import { PeerConnection } from './wire/peerConnection';

export interface EngineOptions {
  /** address to listen on; '0.0.0.0' to be reachable from the LAN */
  host?: string;
  /** 0 = any free port */
  port?: number;
  /** tracker URLs; each is its own BEP 12 tier. Empty: use each torrent's own trackers */
  trackers?: string[];
  logger?: Logger;
  /** default DEFAULT_MAX_PEERS */
  maxPeersPerTorrent?: number;
  /** default DEFAULT_UPLOAD_SLOTS */
  uploadSlots?: number;
  /** per torrent; default DEFAULT_MAX_BUFFERED_BYTES */
  maxBufferedBytes?: number;
  /** upload limit in bytes per second for all torrents together; 0 or absent: none */
  maxUploadRate?: number;
  /** bind outgoing connections to this address; default: `host` when that is a loopback address, so all traffic stays on it */
  localAddress?: string;
}

export interface DownloadOptions {
  /** a different file already has the name: refuse, or save under a suffixed name */
  onExisting?: 'refuse' | 'suffix';
  /** progress of checking partial data left by an earlier run */
  onCheckProgress?: (done: number, total: number) => void;
}

const MAX_PENDING = 64;

/** 127.0.0.0/8 or ::1 */
function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

export type EngineEvents = {
  session: [session: TorrentSession];
  /** a connection we accepted but could not use */
  rejected: [address: string, reason: string];
};

export class Engine extends TypedEmitter<EngineEvents> {
  readonly peerId = makePeerId();
  readonly hasher = new Hasher();
  readonly sessions = new Map<string, TorrentSession>();
  private server?: Server;
  private readonly pending = new Set<PeerConnection>();
  private readonly log: Logger;
  port = 0;
  private readonly uploadThrottle?: Throttle;

  constructor(readonly opts: EngineOptions = {}) {
    super();
    this.log = opts.logger ?? silentLogger;
    if (opts.maxUploadRate) this.uploadThrottle = new Throttle(opts.maxUploadRate);
  }

  /** Outgoing connections leave from `localAddress`, or from a loopback `host` we listen on. */
  private get localAddress(): string | undefined {
    const { host, localAddress } = this.opts;
    return localAddress ?? (host !== undefined && isLoopback(host) ? host : undefined);
  }

  get trackerTiers(): string[][] | undefined {
    const t = this.opts.trackers ?? [];
    return t.length > 0 ? t.map((u) => [announceUrlOf(u)]) : undefined;
  }

  async listen(): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error(`listener: ${e.message}`));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    this.log.info(`listening for peers on ${this.opts.host ?? '0.0.0.0'}:${this.port}`);
    return this.port;
  }

  private accept(socket: Socket): void {
    // connections that have not finished their handshake cost a socket each: bound them
    if (this.pending.size >= MAX_PENDING) {
      this.emit('rejected', `${socket.remoteAddress}:${socket.remotePort}`, 'too many connections still handshaking');
      return void socket.destroy();
    }
    const conn = new PeerConnection(socket, {
      outgoing: false,
      ourPeerId: this.peerId,
      resolve: (ih) => this.sessions.get(ih.toString('hex'))?.meta.pieceCount,
    });
    this.pending.add(conn);
    conn.once('ready', (ready) => {
      this.pending.delete(conn);
      const s = this.sessions.get(ready.infoHash.toString('hex'));
      if (s) s.attach(ready);
      else conn.close('torrent went away');
      // refused after its handshake (banned, duplicate, too many peers): say why
      if (conn.closed) {
        this.emit('rejected', conn.address, conn.closeReason);
        this.log.debug(`incoming ${conn.address} refused: ${conn.closeReason}`);
      }
    });
    conn.once('close', (reason) => {
      if (this.pending.delete(conn)) {
        this.emit('rejected', conn.address, reason);
        this.log.debug(`incoming ${conn.address} closed: ${reason}`);
      }
    });
  }

  private add(meta: Metainfo, store: PieceStore, catalogPath?: string): TorrentSession {
    const session = new TorrentSession({
      meta,
      store,
      peerId: this.peerId,
      port: this.port,
      trackers: this.trackerTiers,
      catalogPath,
      logger: this.log,
      maxPeers: this.opts.maxPeersPerTorrent,
      uploadSlots: this.opts.uploadSlots,
      maxBufferedBytes: this.opts.maxBufferedBytes,
      localAddress: this.localAddress,
      uploadThrottle: this.uploadThrottle,
    });
    this.sessions.set(meta.infoHashHex, session);
    this.emit('session', session);
    return session;
  }

  /** Seeds a complete file in place (a repository file). */
  async seed(path: string, opts: { meta?: Metainfo; catalogPath?: string; verify?: boolean } = {}): Promise<TorrentSession> {
    const announce = this.trackerTiers?.[0]?.[0];
    const meta = opts.meta ?? (await createTorrent(path, { announce, announceList: this.trackerTiers }));
    const existing = this.sessions.get(meta.infoHashHex);
    if (existing) return existing;
    const store = await PieceStore.openSeed(path, meta, { hasher: this.hasher, logger: this.log, verify: opts.verify ?? false });
    const s = this.add(meta, store, opts.catalogPath);
    s.start();
    return s;
  }

  /** Downloads (or resumes) `meta` into `dir`; seeds it when done. */
  async download(meta: Metainfo, dir: string, opts: DownloadOptions = {}): Promise<TorrentSession> {
    const existing = this.sessions.get(meta.infoHashHex);
    if (existing) return existing;
    const { onExisting, onCheckProgress } = opts;
    const store = await PieceStore.open({ dir, meta, hasher: this.hasher, logger: this.log, onExisting, onCheckProgress });
    const s = this.add(meta, store, meta.name);
    s.start();
    return s;
  }

  /** Stops a torrent; `discard` also deletes an unfinished download's partial data. */
  async remove(infoHashHex: string, opts: { discard?: boolean } = {}): Promise<void> {
    const s = this.sessions.get(infoHashHex);
    if (!s) return;
    this.sessions.delete(infoHashHex);
    await s.stop('stopped');
    if (opts.discard && !s.complete) await s.store.discard();
  }

  /** Announces `stopped` everywhere, closes every socket; partial downloads stay for resume. */
  async close(): Promise<void> {
    for (const c of this.pending) c.close('shutting down');
    await Promise.allSettled([...this.sessions.keys()].map((k) => this.remove(k)));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
    await this.hasher.close();
  }
}
