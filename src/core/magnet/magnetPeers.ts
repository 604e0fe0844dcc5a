// Where a magnet's peers come from while its metadata is fetched: the link's trackers (announced
// with the port of a listener of our own, so that peers may dial us too) and addresses given up
// front. Hands over connected sockets; re-announces only when nobody is left to try.
import { connect, createServer, Server, Socket } from 'node:net';
import type { Logger } from '../log';
import { announce, AnnounceParams } from '../trackerClient/announce';
import type { PeerAddress } from '../trackerClient/peers';
import { withoutTeamKey } from '../trackerClient/urls';

const CONNECT_TIMEOUT_MS = 5000;
/** how long the closing `stopped` announce may take */
const STOP_TIMEOUT_MS = 2000;
/** re-announce at most this often while nobody is left to try (the tracker's min interval, kept within these) */
const REANNOUNCE_MIN_MS = 5000;
const REANNOUNCE_MAX_MS = 30_000;

export interface MagnetPeersOptions {
  infoHash: Buffer;
  peerId: Buffer;
  trackers: string[];
  /** listen address; default every address */
  host?: string;
  localAddress?: string;
  log: Logger;
  /** how many more peers may connect now */
  room: () => number;
  /** true when the connected peers have nothing (more) to give: time to ask the trackers again */
  idle: () => boolean;
  /** a socket to a peer, connected (we dialled) or accepted; `key` is "ip:port" */
  onSocket: (socket: Socket, key: string, address: PeerAddress, outgoing: boolean) => void;
  /** a dial that failed */
  onProblem: (key: string, reason: string) => void;
}

export class MagnetPeers {
  private readonly candidates: PeerAddress[] = [];
  private readonly seen = new Set<string>();
  private server?: Server;
  private port = 0;
  private dialing = 0;
  private accepted = 0;
  private nextAnnounce = 0;
  private announcing = false;
  private stopped = false;
  /** the last announce failure, for the message when no peer turns up */
  lastError = '';

  constructor(private readonly o: MagnetPeersOptions) {}

  /** addresses we dialled, and peers that dialled us */
  get tried(): number {
    return this.seen.size + this.accepted;
  }

  /** nobody left to dial and no dial under way */
  get exhausted(): boolean {
    return this.candidates.length === 0 && this.dialing === 0;
  }

  add(peers: PeerAddress[]): void {
    for (const p of peers) {
      const key = `${p.ip}:${p.port}`;
      if (this.seen.has(key)) continue; // our own address among them is refused by the handshake
      this.seen.add(key);
      this.candidates.push(p);
    }
  }

  /** Starts listening: peers that dial us are taken while there is room. */
  listen(): Promise<void> {
    const server = createServer((socket) => {
      if (this.stopped || this.o.room() <= 0) return void socket.destroy();
      const ip = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
      this.accepted++;
      this.o.onSocket(socket, `${ip}:${socket.remotePort}`, { ip, port: socket.remotePort ?? 0 }, false);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.o.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  /** Dials candidates while there is room; announces first, and again when idle and it is time. */
  tick(): void {
    if (this.stopped) return;
    for (let room = this.o.room() - this.dialing; room > 0 && this.candidates.length > 0; room--) this.dial(this.candidates.shift()!);
    if (this.announcing || this.o.trackers.length === 0) return;
    if (this.nextAnnounce === 0 || (this.o.idle() && this.exhausted && Date.now() >= this.nextAnnounce)) void this.announce();
  }

  private dial(address: PeerAddress): void {
    const key = `${address.ip}:${address.port}`;
    let socket: Socket;
    try {
      socket = connect({ host: address.ip, port: address.port, localAddress: this.o.localAddress });
    } catch (e) {
      return this.o.onProblem(key, (e as Error).message);
    }
    this.dialing++;
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timed out')));
    socket.once('error', (e) => {
      this.dialing--;
      this.o.onProblem(key, e.message);
    });
    socket.once('connect', () => {
      this.dialing--;
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      if (this.stopped) return void socket.destroy();
      this.o.onSocket(socket, key, address, true);
    });
  }

  private params(event?: 'started' | 'stopped'): AnnounceParams {
    // `left` is unknown until the metadata arrives: any positive count makes us a leecher
    return { infoHash: this.o.infoHash, peerId: this.o.peerId, port: this.port, uploaded: 0, downloaded: 0, left: 1, event };
  }

  private async announce(): Promise<void> {
    this.announcing = true;
    const first = this.nextAnnounce === 0;
    let wait = REANNOUNCE_MAX_MS;
    await Promise.all(
      this.o.trackers.map(async (url) => {
        try {
          const r = await announce(url, this.params(first ? 'started' : undefined));
          wait = Math.min(wait, Math.max(REANNOUNCE_MIN_MS, (r.minInterval ?? 0) * 1000));
          this.o.log.debug(`${shown(url)} named ${r.peers.length} peers`);
          this.add(r.peers);
        } catch (e) {
          this.lastError = `${shown(url)}: ${(e as Error).message}`;
          this.o.log.warn(`announce to ${this.lastError}`);
        }
      }),
    );
    this.nextAnnounce = Date.now() + wait;
    this.announcing = false;
    this.tick();
  }

  /** Stops listening and dialling; tells the trackers our port is gone (the download announces its own). */
  async stop(): Promise<void> {
    this.stopped = true;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    if (this.nextAnnounce !== 0) await Promise.allSettled(this.o.trackers.map((url) => announce(url, this.params('stopped'), STOP_TIMEOUT_MS)));
  }
}

/** A tracker URL fit for logs and errors: a team key never leaves in one. */
function shown(url: string): string {
  try {
    return withoutTeamKey(url);
  } catch {
    return '(an invalid tracker URL)';
  }
}
