// Every torrent's swarm by info-hash: the tracker's only real state, with its caps.
import { DEFAULT_MAX_PEERS_PER_SWARM, DEFAULT_MAX_SWARMS, DEFAULT_MAX_TRACKED_PEERS } from './limits';
import { PeerBudget, Swarm } from './swarm';

export interface SwarmCaps {
  maxSwarms: number;
  maxPeersPerSwarm: number;
  maxTrackedPeers: number;
}

const DEFAULT_CAPS: SwarmCaps = { maxSwarms: DEFAULT_MAX_SWARMS, maxPeersPerSwarm: DEFAULT_MAX_PEERS_PER_SWARM, maxTrackedPeers: DEFAULT_MAX_TRACKED_PEERS };

export class SwarmTable {
  private readonly swarms = new Map<string, Swarm>();
  private readonly budget: PeerBudget;
  /** changes when a swarm comes or goes: what a full scrape lists */
  version = 0;

  constructor(private readonly caps: SwarmCaps = DEFAULT_CAPS) {
    this.budget = new PeerBudget(caps.maxTrackedPeers);
  }

  get(infoHashHex: string): Swarm | undefined {
    return this.swarms.get(infoHashHex);
  }

  /** The torrent's swarm, made if new; undefined when the table is full. */
  getOrCreate(infoHashHex: string): Swarm | undefined {
    let s = this.swarms.get(infoHashHex);
    if (s) return s;
    if (this.swarms.size >= this.caps.maxSwarms) return undefined;
    this.swarms.set(infoHashHex, (s = new Swarm(this.caps.maxPeersPerSwarm, this.budget)));
    this.version++;
    return s;
  }

  get size(): number {
    return this.swarms.size;
  }

  /** peers over all swarms */
  get peers(): number {
    return this.budget.used;
  }

  keys(): IterableIterator<string> {
    return this.swarms.keys();
  }

  /** Drops peers not seen since `olderThan`, and swarms left empty. */
  expire(olderThan: number): number {
    let n = 0;
    for (const [k, s] of this.swarms) {
      n += s.expire(olderThan);
      if (s.size === 0 && (s.completed === 0 || s.lastActivity < olderThan)) {
        this.swarms.delete(k);
        this.version++;
      }
    }
    return n;
  }
}
