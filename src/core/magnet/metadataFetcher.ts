// A magnet link's torrent, fetched from peers (BEP 9): announce to the link's trackers, talk to
// the peers they name (and to those that dial us), ask those offering ut_metadata for its pieces
// — spread over several, with timeouts — and accept the assembled info dict only when its SHA-1
// is the link's info-hash. A peer whose data hashes wrong is dropped; another one is tried.
import type { Socket } from 'node:net';
import { Logger, silentLogger } from '../log';
import { Metainfo, MAX_TORRENT_BYTES } from '../metainfo';
import type { PeerAddress } from '../trackerClient/peers';
import { makePeerId } from '../wire/messages';
import { MetadataMsg, MetadataMessage } from '../wire/utMetadata';
import { torrentFromInfoDict } from './infoDict';
import { MagnetPeers } from './magnetPeers';
import { MetadataAssembly } from './metadataAssembly';
import { MetadataPeer } from './metadataPeer';

/** largest info dict we accept: 8 MiB holds the hashes of a 400 GiB file in 1 MiB pieces (libtorrent allows ~30 MiB) */
export const MAX_METADATA_SIZE = Math.min(8 * 1024 * 1024, MAX_TORRENT_BYTES - 4096);
/** a whole fetch gives up after this */
export const DEFAULT_METADATA_TIMEOUT_MS = 120_000;

export class MetadataError extends Error {}

export interface MetadataFetchOptions {
  infoHash: Buffer;
  /** announce URLs: the link's `tr=` and any the user added */
  trackers: string[];
  /** addresses to try besides the trackers' */
  peers?: PeerAddress[];
  /** where to accept peers that dial us (announced to the trackers); default every address */
  host?: string;
  localAddress?: string;
  maxMetadataSize?: number;
  timeoutMs?: number;
  log?: Logger;
  signal?: AbortSignal;
}

export interface FetchedMetadata {
  meta: Metainfo;
  /** the peers that offered the metadata: likely seeders worth dialling first */
  peers: PeerAddress[];
}

/** peers talked to at once */
const MAX_PEERS = 8;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** a metadata request unanswered this long: the peer is dropped and the piece asked elsewhere */
const REQUEST_TIMEOUT_MS = 10_000;
/** requests in flight per peer: small, so that several peers share a big dict */
const PER_PEER = 4;
/** after a reject, the peer is asked nothing for this long */
const REJECT_PAUSE_MS = 1000;
const TICK_MS = 250;

interface PeerState {
  key: string;
  address: PeerAddress;
  outgoing: boolean;
  /** metadata_size from its extended handshake, once checked */
  size?: number;
  rejects: number;
  pausedUntil: number;
}

/** Fetches and checks the torrent of `infoHash` from peers; rejects with MetadataError (or the parser's MetainfoError). */
export function fetchMetadata(opts: MetadataFetchOptions): Promise<FetchedMetadata> {
  return new MetadataFetch(opts).run();
}

class MetadataFetch {
  private readonly peerId = makePeerId();
  private readonly log: Logger;
  private readonly cap: number;
  private readonly source: MagnetPeers;
  private readonly peers = new Map<MetadataPeer, PeerState>();
  private readonly problems: string[] = [];
  private readonly offered = new Map<string, PeerAddress>();
  private assembly?: MetadataAssembly;
  /** several peers together made a dict that hashed wrong: from now on one peer builds it alone */
  private suspicious = false;
  private done = false;
  private settle!: (r: { meta?: Metainfo; error?: Error }) => void;

  constructor(private readonly opts: MetadataFetchOptions) {
    this.log = opts.log ?? silentLogger;
    this.cap = Math.min(opts.maxMetadataSize ?? MAX_METADATA_SIZE, MAX_METADATA_SIZE);
    const prefix = `magnet ${this.hex}: `;
    const log = { ...this.log, debug: (m: string) => this.log.debug(prefix + m), warn: (m: string) => this.log.warn(prefix + m) };
    this.source = new MagnetPeers({
      ...opts,
      peerId: this.peerId,
      log,
      room: () => MAX_PEERS - this.peers.size,
      idle: () => ![...this.peers.values()].some((s) => s.size !== undefined),
      onSocket: (socket, key, address, outgoing) => this.adopt(socket, { key, address, outgoing, rejects: 0, pausedUntil: 0 }),
      onProblem: (key, reason) => this.problem(key, reason),
    });
    this.source.add(opts.peers ?? []);
  }

  private get hex(): string {
    return this.opts.infoHash.toString('hex');
  }

  async run(): Promise<FetchedMetadata> {
    this.opts.signal?.throwIfAborted();
    if (this.opts.trackers.length === 0 && this.source.exhausted) {
      throw new MetadataError('a magnet link without trackers needs --tracker URL (STA runs no DHT)');
    }
    await this.source.listen();
    const outcome = new Promise<{ meta?: Metainfo; error?: Error }>((resolve) => (this.settle = resolve));
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS;
    const deadline = setTimeout(() => this.fail(new MetadataError(this.timeoutMessage(timeoutMs))), timeoutMs);
    const ticker = setInterval(() => this.tick(), TICK_MS);
    const onAbort = () => this.fail(this.opts.signal!.reason ?? new DOMException('aborted', 'AbortError'));
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.log.info(`magnet ${this.hex}: fetching the torrent's metadata from peers`);
    this.tick();
    const { meta, error } = await outcome;
    clearTimeout(deadline);
    clearInterval(ticker);
    this.opts.signal?.removeEventListener('abort', onAbort);
    for (const peer of [...this.peers.keys()]) peer.close('metadata fetch over');
    await this.source.stop();
    if (error) throw error;
    return { meta: meta!, peers: [...this.offered.values()] };
  }

  private tick(): void {
    if (this.done) return;
    const now = Date.now();
    const late = this.assembly?.overdue(now - REQUEST_TIMEOUT_MS) ?? [];
    for (const key of late) this.peerByKey(key)?.close(`did not answer a metadata request within ${REQUEST_TIMEOUT_MS / 1000} s`);
    this.source.tick();
    this.pump(now);
    // without trackers nobody new can turn up: once every given peer failed, so has the fetch
    if (this.opts.trackers.length === 0 && this.source.exhausted && this.peers.size === 0) {
      this.fail(new MetadataError(`no peer sent the metadata of ${this.hex}: ${this.problems.join('; ') || 'none to ask'}`));
    }
  }

  private adopt(socket: Socket, state: PeerState): void {
    if (this.done) return void socket.destroy();
    const { key } = state;
    const peer = new MetadataPeer(socket, { ...this.opts, ourPeerId: this.peerId, outgoing: state.outgoing, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    this.peers.set(peer, state);
    peer.on('extensions', (ext) => {
      const client = ext.client ? ` (${ext.client})` : '';
      if (ext.ids.get('ut_metadata') === undefined) return peer.close(`does not offer ut_metadata${client}`);
      const size = ext.metadataSize;
      if (size === undefined) return peer.close(`has no metadata to give${client}`);
      if (!(size > 0)) return peer.close(`offers metadata_size ${Number.isNaN(size) ? '(not an integer)' : size}${client}`);
      if (size > this.cap) return peer.close(`offers ${size} bytes of metadata, over the ${this.cap}-byte limit${client}`);
      state.size = size;
      this.pump(Date.now());
    });
    peer.on('metadata', (msg) => this.onMetadata(peer, state, msg));
    peer.once('close', (reason) => {
      this.peers.delete(peer);
      this.assembly?.release(key);
      if (!this.done) this.problem(key, reason);
      this.tick();
    });
  }

  private onMetadata(peer: MetadataPeer, state: PeerState, msg: MetadataMessage): void {
    const a = this.assembly;
    if (msg.type === MetadataMsg.Reject) {
      a?.rejected(state.key, msg.piece);
      // a reject may be a busy peer; one that refuses more than every piece twice has nothing for us
      const limit = 2 * (a?.pieceCount ?? 1) + 2;
      if (++state.rejects > limit) return peer.close(`rejected ${state.rejects} metadata requests`);
      state.pausedUntil = Date.now() + REJECT_PAUSE_MS;
      return this.pump(Date.now());
    }
    if (!a) return peer.close(`sent metadata piece ${msg.piece}, which we did not ask it for`);
    if (msg.totalSize !== state.size) return peer.close(`sent metadata data with total_size ${msg.totalSize}, not the ${state.size} it announced`);
    const error = a.received(state.key, msg.piece, msg.data!);
    if (error) return peer.close(error);
    if (!a.complete) return this.pump(Date.now());
    const verdict = a.verify(this.opts.infoHash);
    this.assembly = undefined;
    if (verdict.ok) return this.succeed(verdict.dict, [...this.peers.values()].filter((s) => s.size === a.size));
    if (verdict.contributors.size === 1) {
      for (const key of verdict.contributors) this.peerByKey(key)?.close('sent metadata that does not hash to the info-hash');
    } else {
      this.suspicious = true;
      this.log.warn(`magnet ${this.hex}: metadata from ${verdict.contributors.size} peers hashed wrong; fetching it from one peer at a time`);
    }
    this.pump(Date.now());
  }

  private pump(now: number): void {
    if (this.done) return;
    const ready = [...this.peers.entries()].filter(([, s]) => s.size !== undefined);
    // an assembly nobody connected can finish any more (its peers left) makes way for a fresh one
    if (this.assembly && !ready.some(([, s]) => this.assembly!.accepts(s.key, s.size!))) this.assembly = undefined;
    for (const [peer, s] of ready) {
      if (s.pausedUntil > now) continue;
      this.assembly ??= new MetadataAssembly(s.size!, this.suspicious ? s.key : undefined);
      const a = this.assembly;
      if (!a.accepts(s.key, s.size!)) continue;
      for (let n = a.inFlight(s.key); n < PER_PEER; n++) {
        const piece = a.next(s.key, now);
        if (piece === undefined) break;
        peer.extensions.requestMetadata(piece);
      }
    }
  }

  private succeed(dict: Buffer, offering: PeerState[]): void {
    let meta: Metainfo;
    try {
      meta = torrentFromInfoDict(dict, this.opts.trackers);
    } catch (e) {
      return this.fail(e as Error); // the dict is genuine (it hashes right): what the parser refuses, no peer can fix
    }
    for (const s of offering) if (s.outgoing) this.offered.set(s.key, s.address); // an incoming peer's port is not where it listens
    this.log.info(`magnet ${this.hex}: metadata of ${meta.name} (${dict.length} bytes) verified`);
    this.done = true;
    this.settle({ meta });
  }

  private fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.settle({ error });
  }

  private peerByKey(key: string): MetadataPeer | undefined {
    for (const [peer, s] of this.peers) if (s.key === key) return peer;
    return undefined;
  }

  private problem(key: string, reason: string): void {
    this.log.debug(`magnet ${this.hex}: peer ${key}: ${reason}`);
    if (this.problems.length < 10) this.problems.push(`${key} ${reason}`);
  }

  private timeoutMessage(ms: number): string {
    const head = `no peer sent the metadata of ${this.hex} within ${Math.round(ms / 1000)} s`;
    const tried = this.source.tried;
    if (tried === 0) return `${head}: the trackers named no peers${this.source.lastError ? ` (${this.source.lastError})` : ''}`;
    return `${head}: ${tried} peer(s) tried${this.problems.length ? ` — ${this.problems.join('; ')}` : ''}`;
  }
}
