// One torrent as seen from this peer: its lifecycle (start, finish, stop) and the wiring of its
// parts, which decide: the swarm whom to keep (and, through its dialer, choker and strikes, whom
// to call, serve and ban), the downloader what to ask for, the uploader what to send.
import { TypedEmitter } from '../events';
import { Logger, silentLogger } from '../log';
import type { Metainfo } from '../metainfo';
import { bytesLeft } from '../pieces';
import type { PieceStore } from '../storage/pieceStore';
import type { PeerAddress } from '../trackerClient/peers';
import type { ReadyConnection } from '../wire/peerConnection';
import { Downloader } from './downloader';
import { PeriodicJobs } from './periodicJobs';
import { SessionReport } from './sessionReport';
import { DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_PEERS, DEFAULT_UPLOAD_SLOTS } from './sessionTypes';
import type { PeerStats, SessionEvents, SessionOptions, SessionProgress, SessionState } from './sessionTypes';
import { Swarm } from './swarm';
import { TrackerLink } from './trackerLink';
import { Uploader } from './uploader';

export class TorrentSession extends TypedEmitter<SessionEvents> {
  readonly meta: Metainfo;
  readonly store: PieceStore;
  private _state: SessionState = 'checking';
  private readonly opts: SessionOptions;
  private readonly log: Logger;
  private readonly swarm: Swarm;
  private readonly downloader: Downloader;
  private readonly uploader: Uploader;
  private readonly report: SessionReport;
  private readonly jobs = new PeriodicJobs(500, {
    snubCheck: { everyMs: 500, run: () => this.downloader.cancelStale() },
    interest: { everyMs: 1000, run: () => this.swarm.updateInterest() },
    rechoke: { everyMs: 10_000, run: () => this.swarm.rechoke(true) },
    dial: { everyMs: 2000, run: () => this.swarm.dialMore() },
    progress: { everyMs: 500, run: () => this.reportProgress() },
  });
  private trackers?: TrackerLink;

  constructor(opts: SessionOptions) {
    super();
    const { meta, store } = opts;
    this.opts = opts;
    this.meta = meta;
    this.store = store;
    this.log = opts.logger ?? silentLogger;
    const state = () => this.state;
    this.uploader = new Uploader(meta, store, opts.uploadThrottle, (m) => this.emit('warning', m), opts.pieceCacheBudget);
    this.downloader = new Downloader({ meta, store, maxBufferedBytes: opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, state });
    const { uploader, downloader } = this;
    this.swarm = new Swarm({
      meta, store, downloader, uploader,
      peerId: opts.peerId,
      localAddress: opts.localAddress,
      log: this.log,
      maxPeers: opts.maxPeers ?? DEFAULT_MAX_PEERS,
      uploadSlots: opts.uploadSlots ?? DEFAULT_UPLOAD_SLOTS,
      active: () => this.active,
      room: opts.connectionRoom,
    });
    this.report = new SessionReport({ meta, store, state, peers: this.swarm.connections, downloader, uploader });
    this.downloader.on('badPiece', (index, contributors) => this.swarm.badPiece(index, contributors));
    this.downloader.on('complete', () => void this.finish());
    this.downloader.on('failed', (reason) => this.fail(reason));
    store.whenStale((reason) => this.staleFile(reason));
    this.swarm.on('peerAdded', (address) => this.emit('peerAdded', address));
    this.swarm.on('peerRemoved', (address, reason) => this.emit('peerRemoved', address, reason));
    this.swarm.on('peerBanned', (address, reason) => this.emit('peerBanned', address, reason));
  }

  get state(): SessionState {
    return this._state;
  }

  get infoHashHex(): string {
    return this.meta.infoHashHex;
  }

  get complete(): boolean {
    return this.store.complete;
  }

  /** bytes each peer gave us, by peer id (hex), kept after it leaves */
  get contributions(): ReadonlyMap<string, number> {
    return this.downloader.contributions;
  }

  /** connected peers and dials in flight */
  get connectionCount(): number {
    return this.swarm.connectionCount;
  }

  private get active(): boolean {
    return this.state === 'downloading' || this.state === 'seeding';
  }

  start(): void {
    if (this.active) return;
    this.setState(this.complete ? 'seeding' : 'downloading');
    const { meta, store, opts } = this;
    const tiers = opts.trackers ?? meta.announceList;
    if (tiers.length > 0) {
      this.trackers = new TrackerLink({
        meta, tiers, peerId: opts.peerId, port: opts.port, catalogPath: opts.catalogPath, log: this.log,
        stats: () => ({ uploaded: this.uploader.uploaded, downloaded: this.downloader.downloaded, left: bytesLeft(meta, store.have) }),
        complete: () => this.complete,
        peers: (peers) => this.addCandidates(peers),
        warn: (message) => this.emit('warning', message),
        published: (url) => this.emit('published', url),
      });
    }
    this.jobs.start();
  }

  /** Announces `stopped`, closes every connection; the store keeps what was verified. */
  async stop(state: 'paused' | 'stopped' = 'stopped'): Promise<void> {
    this.jobs.stop();
    const trackers = this.trackers;
    this.trackers = undefined;
    this.swarm.stop(state === 'paused' ? 'paused' : 'session stopped');
    this.uploader.clear();
    await trackers?.stop();
    if (state === 'stopped') await this.store.close();
    this.setState(state);
  }

  /** Peer addresses from a tracker (or a test): dialled as room allows. */
  addCandidates(peers: PeerAddress[]): void {
    this.swarm.addCandidates(peers);
  }

  /** Takes a handshaken connection accepted by the engine's listener; false when refused (it is then closed). */
  attach(conn: ReadyConnection): boolean {
    return this.swarm.attach(conn);
  }

  progress(): SessionProgress {
    return this.report.progress();
  }

  peerStats(): PeerStats[] {
    return this.report.peerStats();
  }

  private async finish(): Promise<void> {
    try {
      const path = await this.store.finish();
      this.setState('seeding');
      this.log.info(`${this.meta.name}: complete and verified at ${path}`);
      this.emit('done', path);
      this.trackers?.completed();
      this.swarm.seeding();
    } catch (e) {
      this.fail(`could not finish ${this.meta.name}: ${(e as Error).message}`);
    }
  }

  /** Not one more block of a changed file: every connection goes now (a peer sees us leave, not lie), then the session stops. */
  private staleFile(reason: string): void {
    this.log.warn(reason);
    this.emit('stale', reason);
    void this.stop('stopped').then(() => this.setState('failed', reason));
  }

  private fail(reason: string): void {
    this.log.error(reason);
    void this.stop('stopped').then(() => this.setState('failed', reason));
  }

  private setState(s: SessionState, reason?: string): void {
    if (this._state === s) return;
    this._state = s;
    this.emit('state', s, reason);
    this.emit('progress', this.progress());
  }

  private reportProgress(): void {
    const p = this.report.due();
    if (p) this.emit('progress', p);
  }
}
