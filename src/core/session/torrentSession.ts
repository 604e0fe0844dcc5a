// One torrent as seen from this peer: its lifecycle (start, finish, stop) and the wiring of its
// parts, which decide: the swarm whom to keep (and, through its dialer, choker and strikes, whom
// to call, serve and ban), the downloader what to ask for, the uploader what to send. A workspace
// seeds thousands of files nobody asks for: a seed makes its parts when its first peer comes
// (about 10 KiB each), and runs its chores' timer only while it has peers.
import { TypedEmitter } from '../events';
import { Logger, silentLogger } from '../log';
import type { Metainfo } from '../metainfo';
import { bytesLeft } from '../pieces';
import type { PieceStore } from '../storage/pieceStore';
import type { PeerAddress } from '../trackerClient/peers';
import type { ReadyConnection } from '../wire/peerConnection';
import { Downloader } from './downloader';
import { PeriodicJobs } from './periodicJobs';
import { type ReportParts, SessionReport } from './sessionReport';
import { DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_PEERS, DEFAULT_UPLOAD_SLOTS } from './sessionTypes';
import type { PeerStats, SessionEvents, SessionOptions, SessionProgress, SessionState } from './sessionTypes';
import { Swarm } from './swarm';
import { TrackerLink } from './trackerLink';
import { Uploader } from './uploader';

interface Parts {
  swarm: Swarm;
  downloader: Downloader;
  uploader: Uploader;
  /** the chores, on one timer that runs only while there are peers (or a download) */
  jobs: PeriodicJobs;
}

const NONE: ReadonlyMap<string, number> = new Map();

export class TorrentSession extends TypedEmitter<SessionEvents> {
  readonly meta: Metainfo;
  readonly store: PieceStore;
  private _state: SessionState = 'checking';
  private readonly opts: SessionOptions;
  private readonly log: Logger;
  /** the swarm and what moves bytes: made on first need (see `parts`) */
  private built: Parts | undefined;
  private readonly report: SessionReport;
  private trackers?: TrackerLink;
  /** the last progress round had nothing new to say (an idle seed stays quiet) */
  private reportQuiet = false;

  constructor(opts: SessionOptions) {
    super();
    const { meta, store } = opts;
    this.opts = opts;
    this.meta = meta;
    this.store = store;
    this.log = opts.logger ?? silentLogger;
    const parts = (): ReportParts | undefined => this.built && { peers: this.built.swarm.connections, ...this.built };
    this.report = new SessionReport({ meta, store, state: () => this.state, parts });
    store.whenStale((reason) => this.staleFile(reason));
    store.whenWarned((message) => this.emit('warning', message));
  }

  /** The swarm, downloader and uploader, made now if this is their first use (a download, a peer, peers to dial). */
  private get parts(): Parts {
    return (this.built ??= this.build());
  }

  private build(): Parts {
    const { meta, store, opts } = this;
    const uploader = new Uploader(meta, store, opts.uploadThrottle, (m) => this.emit('warning', m), opts.pieceCacheBudget);
    const maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const downloader = new Downloader({
      meta, store, maxBufferedBytes,
      state: () => this.state,
      lend: (index, lease) => uploader.lend(index, lease),
    });
    const swarm = new Swarm({
      meta, store, downloader, uploader,
      peerId: opts.peerId,
      localAddress: opts.localAddress,
      downloadThrottle: opts.downloadThrottle,
      log: this.log,
      maxPeers: opts.maxPeers ?? DEFAULT_MAX_PEERS,
      uploadSlots: opts.uploadSlots ?? DEFAULT_UPLOAD_SLOTS,
      active: () => this.active,
      room: opts.connectionRoom,
    });
    downloader.on('badPiece', (index, contributors) => swarm.badPiece(index, contributors));
    downloader.on('complete', () => void this.finish());
    downloader.on('failed', (reason) => this.fail(reason));
    const jobs = new PeriodicJobs(500, {
      snubCheck: { everyMs: 500, run: () => downloader.cancelStale() },
      interest: { everyMs: 1000, run: () => swarm.updateInterest() },
      rechoke: { everyMs: 10_000, run: () => swarm.rechoke(true) },
      dial: { everyMs: 2000, run: () => swarm.dialMore() },
      progress: { everyMs: 500, run: () => this.reportProgress() },
      rest: { everyMs: 1000, run: () => this.restIfIdle() },
    });
    swarm.on('peerAdded', (address) => {
      jobs.start(); // a seed at rest wakes for its first peer
      this.emit('peerAdded', address);
    });
    swarm.on('peerRemoved', (address, reason) => this.emit('peerRemoved', address, reason));
    swarm.on('peerBanned', (address, reason) => this.emit('peerBanned', address, reason));
    return { swarm, downloader, uploader, jobs };
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
    return this.built?.downloader.contributions ?? NONE;
  }

  /** connected peers and dials in flight */
  get connectionCount(): number {
    return this.built?.swarm.connectionCount ?? 0;
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
        stats: () => ({ uploaded: this.built?.uploader.uploaded ?? 0, downloaded: this.built?.downloader.downloaded ?? 0, left: bytesLeft(meta, store.have) }),
        complete: () => this.complete,
        peers: (peers) => this.addCandidates(peers),
        warn: (message) => this.emit('warning', message),
        published: (url) => this.emit('published', url),
        seeds: opts.seedAnnouncer,
      });
    }
    // a complete torrent with nobody to serve needs no parts and no timer: a workspace seeds thousands of them
    if (this.complete) return;
    this.parts.jobs.start();
  }

  /** Announces `stopped`, closes every connection; the store keeps what was verified. */
  async stop(state: 'paused' | 'stopped' = 'stopped'): Promise<void> {
    this.built?.jobs.stop();
    const trackers = this.trackers;
    this.trackers = undefined;
    this.built?.swarm.stop(state === 'paused' ? 'paused' : 'session stopped');
    this.built?.uploader.clear();
    await trackers?.stop();
    if (state === 'stopped') await this.store.close();
    this.setState(state);
  }

  /** Peer addresses from a tracker (or a test): dialled as room allows. */
  addCandidates(peers: PeerAddress[]): void {
    // (stopped or paused: nobody is dialled, and the dialer forgets its addresses anyway)
    if (peers.length === 0 || !this.active) return;
    const { swarm, jobs } = this.parts;
    swarm.addCandidates(peers);
    if (!swarm.quiet) jobs.start();
  }

  /** Takes a handshaken connection accepted by the engine's listener; false when refused (it is then closed). */
  attach(conn: ReadyConnection): boolean {
    if (!this.active) {
      conn.close('torrent is not active');
      return false;
    }
    return this.parts.swarm.attach(conn);
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
      this.built?.swarm.seeding();
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

  /** A seed with no peer and none to dial stops its timer once its last progress (rates back to 0) is out. */
  private restIfIdle(): void {
    if (this.state !== 'seeding' || (this.built && !this.built.swarm.quiet) || !this.reportQuiet) return;
    this.built?.jobs.stop();
  }

  /** whether the timer runs: false for a seed at rest */
  get busy(): boolean {
    return this.built?.jobs.running ?? false;
  }

  private reportProgress(): void {
    const p = this.report.due();
    this.reportQuiet = p === undefined;
    if (p) this.emit('progress', p);
  }
}
