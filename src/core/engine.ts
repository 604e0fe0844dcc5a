// One STA peer: a peer id, a listening socket, and a session per torrent it seeds or fetches.
// The CLI and the extension both drive this class; it knows nothing about either.
import { promises as fsp } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { TypedEmitter } from './events';
import { Logger, silentLogger } from './log';
import type { EngineOptions } from './engineOptions';
import { createTorrent, Metainfo } from './metainfo';
import type { FileState } from './storage/fileGuard';
import { Hasher } from './storage/hasher';
import type { OnExisting } from './storage/placement';
import { PieceStore } from './storage/pieceStore';
import { DEFAULT_PIECE_CACHE_BUDGET, DEFAULT_PIECE_CACHE_IDLE_MS, PieceCacheBudget } from './session/pieceCacheBudget';
import { paceReads, Throttle } from './session/throttle';
import { TorrentSession } from './session/torrentSession';
import { SeedAnnouncer } from './trackerClient/seedAnnouncer';
import { announceUrlOf, teamKeyOf } from './trackerClient/urls';
import { makePeerId } from './wire/messages';
import { PeerConnection } from './wire/peerConnection';
import { PendingConnections } from './wire/pendingConnections';

export type { EngineOptions };

export interface DownloadOptions {
  /**
   * where in the download folder the file lands: a forward-slash path ending in the torrent's name
   * (a catalog path such as `data/train/x.bin`), every part a safe name (PathError otherwise); default
   * the torrent's name. The finished file is published to STA catalogs under this path.
   */
  relPath?: string;
  /**
   * the path the finished file is published under in STA catalogs; default `relPath`. The extension gives the
   * path as its workspace shares it (the download folder and, in a multi-root window, the folder's name first)
   */
  catalogPath?: string;
  /**
   * a different file already at that path: refuse (ExistingFileError, the default), save as "name (1).ext",
   * or update it: its pieces that match are reused (`SessionProgress.reusedBytes`), the rest fetched, and it
   * is replaced once the new file is verified — unless it changed meanwhile, then the new file goes beside it
   */
  onExisting?: OnExisting;
  /** progress of checking partial data left by an earlier run, or the older file an update reuses */
  onCheckProgress?: (done: number, total: number) => void;
  /** a multi-file torrent: only the files these globs match (paths inside the torrent) are downloaded */
  select?: readonly string[];
  /** http(s) announce URLs for this torrent besides the engine's (a magnet's `tr=`, a .torrent's own): each its own tier */
  trackers?: readonly string[];
}

/** all torrents' connections together, as libtorrent's and Transmission's global peer limit (200) */
export const DEFAULT_MAX_CONNECTIONS = 200;

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
  private readonly pending = new PendingConnections();
  private readonly log: Logger;
  port = 0;
  private readonly uploadThrottle?: Throttle;
  private readonly downloadThrottle?: Throttle;
  private readonly pieceCache: PieceCacheBudget;
  /** stores being opened (their data hashed), by info-hash: remove() and close() abort them */
  private readonly openings = new Map<string, { abort: AbortController; done: Promise<PieceStore> }>();
  private closing = false;
  /** complete torrents announced to STA trackers in batches: one request per tracker per interval */
  private readonly seeds: SeedAnnouncer;

  constructor(readonly opts: EngineOptions = {}) {
    super();
    this.log = opts.logger ?? silentLogger;
    this.seeds = new SeedAnnouncer({ peerId: this.peerId, port: () => this.port, log: this.log });
    this.pieceCache = new PieceCacheBudget(opts.pieceCacheBudget ?? DEFAULT_PIECE_CACHE_BUDGET, opts.pieceCacheIdleMs ?? DEFAULT_PIECE_CACHE_IDLE_MS);
    if (opts.maxUploadRate) this.uploadThrottle = new Throttle(opts.maxUploadRate);
    if (opts.maxDownloadRate) this.downloadThrottle = new Throttle(opts.maxDownloadRate);
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

  /** bytes of piece cache held for all seeded files together */
  get cachedBytes(): number {
    return this.pieceCache.bytes;
  }

  /** connections of every torrent, dials and handshakes under way included */
  get connectionCount(): number {
    let n = this.pending.size;
    for (const s of this.sessions.values()) n += s.connectionCount;
    return n;
  }

  private get maxConnections(): number {
    return this.opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  }

  private accept(socket: Socket): void {
    // at the cap, a stalled handshake (of the address with the most) makes room: refusing the
    // newcomer instead would let a few silent sockets lock every honest peer out
    if (this.connectionCount >= this.maxConnections && !this.pending.evictOne('crowded out by newer connections')) {
      this.emit('rejected', `${socket.remoteAddress}:${socket.remotePort}`, 'too many connections');
      return void socket.destroy();
    }
    if (this.downloadThrottle) paceReads(socket, this.downloadThrottle);
    const conn = new PeerConnection(socket, {
      outgoing: false,
      ourPeerId: this.peerId,
      resolve: (ih) => this.sessions.get(ih.toString('hex'))?.meta.pieceCount,
    });
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
    this.pending.add(conn);
  }

  /** room for more connections under the engine's cap (one function for every session) */
  private readonly connectionRoom = () => this.maxConnections - this.connectionCount;

  private add(meta: Metainfo, store: PieceStore, catalogPath?: string, extra: readonly string[] = []): TorrentSession {
    const tiers = this.trackerTiers;
    const known = tiers?.flat() ?? [];
    const more = [...new Set(extra.map(announceUrlOf))].filter((u) => !known.includes(u)).map((u) => [u]);
    const session = new TorrentSession({
      meta,
      store,
      peerId: this.peerId,
      port: this.port,
      trackers: tiers && more.length > 0 ? [...tiers, ...more] : tiers,
      catalogPath,
      logger: this.log,
      maxPeers: this.opts.maxPeersPerTorrent,
      uploadSlots: this.opts.uploadSlots,
      maxBufferedBytes: this.opts.maxBufferedBytes,
      localAddress: this.localAddress,
      uploadThrottle: this.uploadThrottle,
      downloadThrottle: this.downloadThrottle,
      pieceCacheBudget: this.pieceCache,
      connectionRoom: this.connectionRoom,
      seedAnnouncer: this.seeds,
    });
    this.sessions.set(meta.infoHashHex, session);
    this.emit('session', session);
    return session;
  }

  /**
   * Seeds a complete file in place (a repository file). `hashedAt` is the file's size and mtime when
   * `meta` was hashed: the file is then opened only when a peer reads it, and refused (StaleFileError,
   * the session's `stale`) rather than served if it changed since.
   */
  async seed(path: string, opts: { meta?: Metainfo; catalogPath?: string; verify?: boolean; hashedAt?: FileState } = {}): Promise<TorrentSession> {
    const announce = this.trackerTiers?.[0]?.[0];
    // BEP 27: a torrent for a team's keyed tracker stays with the team (no DHT, PEX or local discovery)
    const isPrivate = announce !== undefined && teamKeyOf(announce) !== undefined;
    let hashedAt = opts.hashedAt;
    if (!opts.meta && !hashedAt) {
      const st = await fsp.stat(path);
      hashedAt = { size: st.size, mtimeMs: st.mtimeMs };
    }
    const meta = opts.meta ?? (await createTorrent(path, { announce, announceList: this.trackerTiers, private: isPrivate }));
    const existing = this.sessions.get(meta.infoHashHex);
    // one that stopped (its file changed) makes way for the file as it is now
    if (existing && existing.state !== 'failed' && existing.state !== 'stopped') return existing;
    if (existing) await this.remove(meta.infoHashHex);
    const verify = opts.verify ?? false;
    const seedOpts = { hasher: this.hasher, logger: this.log, verify, hashedAt };
    const store = await this.opening(meta, (signal) => PieceStore.openSeed(path, meta, { ...seedOpts, signal }));
    const s = this.add(meta, store, opts.catalogPath);
    s.start();
    return s;
  }

  /** Downloads (or resumes) `meta` into `dir`; seeds it when done. */
  async download(meta: Metainfo, dir: string, opts: DownloadOptions = {}): Promise<TorrentSession> {
    const existing = this.sessions.get(meta.infoHashHex);
    if (existing) return existing;
    const { relPath, onExisting, onCheckProgress, select } = opts;
    const hasher = this.hasher;
    const open = (signal: AbortSignal) => PieceStore.open({ dir, meta, relPath, hasher, logger: this.log, onExisting, onCheckProgress, select, signal });
    const store = await this.opening(meta, open);
    const s = this.add(meta, store, opts.catalogPath ?? relPath ?? meta.name, opts.trackers);
    s.start();
    return s;
  }

  /**
   * Opens a store (which may hash existing data for a long time) so that remove() and close()
   * can stop it at once: they abort its signal, and it rejects with an AbortError.
   */
  private async opening(meta: Metainfo, open: (signal: AbortSignal) => Promise<PieceStore>): Promise<PieceStore> {
    const key = meta.infoHashHex;
    if (this.closing) throw new DOMException('the engine is shutting down', 'AbortError');
    this.openings.get(key)?.abort.abort(); // asked again: the newer request wins
    const abort = new AbortController();
    const done = open(abort.signal);
    const entry = { abort, done };
    this.openings.set(key, entry);
    try {
      const store = await done;
      // removed just as the check finished: the store must not outlive the request
      if (abort.signal.aborted) await store.close().then(() => abort.signal.throwIfAborted());
      return store;
    } finally {
      if (this.openings.get(key) === entry) this.openings.delete(key);
    }
  }

  /** Stops a torrent (or stops opening it); `discard` also deletes an unfinished download's partial data. */
  async remove(infoHashHex: string, opts: { discard?: boolean } = {}): Promise<void> {
    const opening = this.openings.get(infoHashHex);
    if (opening) {
      opening.abort.abort();
      await opening.done.catch(() => undefined);
    }
    const s = this.sessions.get(infoHashHex);
    if (!s) return;
    this.sessions.delete(infoHashHex);
    await s.stop('stopped');
    if (opts.discard && !s.complete) await s.store.discard();
  }

  /** Announces `stopped` everywhere, closes every socket; partial downloads stay for resume. */
  async close(): Promise<void> {
    this.closing = true;
    this.pending.closeAll('shutting down');
    const keys = new Set([...this.openings.keys(), ...this.sessions.keys()]);
    await Promise.allSettled([...keys].map((k) => this.remove(k)));
    await this.seeds.close(); // the seeds' `stopped`, one batch per tracker
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
    await this.hasher.close(); // hashes still queued are rejected, the workers end
  }
}
