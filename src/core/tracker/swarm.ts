// One torrent's swarm: who is in it, seeding or not, and how many finished. What an announce
// does to a swarm is decided here (`announce`); the announce route only parses and answers.
import { writeCompactAddress } from './compactAddress';

/** `event` of an announce: BEP 3's three, none (''), and two that other trackers accept */
export type SwarmEvent = '' | 'started' | 'completed' | 'stopped' | 'paused' | 'empty';
const EVENTS: readonly string[] = ['', 'started', 'completed', 'stopped', 'paused', 'empty'] satisfies SwarmEvent[];

export function isSwarmEvent(event: string): event is SwarmEvent {
  return EVENTS.includes(event);
}

export interface TrackedPeer {
  key: string; // peer id as a latin1 string: never handed out, it is what proves a peer is itself
  ip: string;
  port: number;
  /** the address its announces come from; only announces from there change or remove it */
  readonly source: string;
  v6: boolean; // its compact address is 18 bytes (IPv6), not 6
  seeder: boolean;
  lastSeen: number;
}

class Peer implements TrackedPeer {
  constructor(
    public key: string,
    public ip: string,
    public port: number,
    readonly source: string,
    public v6: boolean,
    public seeder: boolean,
    public lastSeen: number,
  ) {}
}

/** Peers over all swarms: each swarm takes one when it adds a peer and gives it back on removal. */
export class PeerBudget {
  used = 0;
  constructor(readonly max = Infinity) {}
}

/** Bytes written by `Swarm.sampleCompact`. */
export interface CompactCounts {
  v4: number;
  v6: number;
}

const STRIDE = 19; // bytes per peer in Swarm.slots: flags, then room for an IPv6 compact address
const SEEDER = 1; // flags
const V6 = 2;

/** One torrent's peers; an array beside the map gives O(1) removal and random sampling. */
export class Swarm {
  private readonly byKey = new Map<string, number>();
  private readonly peers: TrackedPeer[] = [];
  // peers[i]'s seeder/v6 flags at slots[i * STRIDE], its compact address right after: the
  // announce hot path samples these contiguous bytes instead of dozens of scattered objects
  private slots = new Uint8Array(STRIDE * 8);
  seeders = 0;
  completed = 0; // finished downloads, each counted once
  lastActivity = Date.now();

  constructor(
    private readonly maxPeers = Infinity,
    private readonly budget = new PeerBudget(),
  ) {}

  get size(): number {
    return this.peers.length;
  }

  get leechers(): number {
    return this.peers.length - this.seeders;
  }

  /**
   * Applies one announce of the peer `key` from `source`: `stopped` removes it, anything else adds
   * or updates it. `left` is undefined when the announce did not say. Returns whether the peer
   * seeds, or undefined when the swarm (or the tracker) has no room for a new peer. A peer id
   * already here from another address is someone else's: the announce changes nothing.
   */
  announce(event: SwarmEvent, left: number | undefined, key: string, ip: string, port: number, now: number, source = ip): boolean | undefined {
    const at = this.byKey.get(key);
    if (at !== undefined && this.peers[at].source !== source) return left === 0;
    const wasSeeder = at !== undefined && this.peers[at].seeder;
    const wasLeecher = at !== undefined && !wasSeeder;
    if (event === 'stopped') {
      // a leecher stopping with nothing left finished without announcing `completed`
      // (aria2c with --seed-time=0 does exactly that): it still counts as a download
      if (wasLeecher && left === 0) this.completed++;
      this.remove(key);
      return left === 0;
    }
    if (at === undefined && (this.peers.length >= this.maxPeers || this.budget.used >= this.budget.max)) return undefined;
    let seeder = left === 0 || event === 'completed';
    // a bare re-announce that leaves out `left` keeps the peer as it was
    if (at !== undefined && event === '' && left === undefined) seeder = wasSeeder;
    this.upsert(key, ip, port, source, seeder, now);
    // a finished download counts once: `completed` (unless already a seeder here), or a
    // known leecher announcing left=0 without the event
    if (event === 'completed' ? at === undefined || wasLeecher : wasLeecher && seeder) this.completed++;
    return seeder;
  }

  /** Whether the peer `key` is in the swarm (from whatever address). */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Whether a peer announcing from `source` seeds this torrent. */
  seedsFrom(source: string): boolean {
    return this.peers.some((p) => p.seeder && p.source === source);
  }

  private upsert(key: string, ip: string, port: number, source: string, seeder: boolean, now: number): void {
    const at = this.byKey.get(key);
    this.lastActivity = now;
    if (at !== undefined) {
      const old = this.peers[at];
      if (old.seeder !== seeder) this.seeders += seeder ? 1 : -1;
      if (old.ip !== ip || old.port !== port) {
        old.v6 = writeCompactAddress(ip, port, this.slots, at * STRIDE + 1) === 18;
        old.ip = ip;
        old.port = port;
      }
      old.seeder = seeder;
      old.lastSeen = now;
      this.slots[at * STRIDE] = (seeder ? SEEDER : 0) | (old.v6 ? V6 : 0);
      return;
    }
    const i = this.peers.length;
    if ((i + 1) * STRIDE > this.slots.length) {
      const slots = new Uint8Array(this.slots.length * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    const v6 = writeCompactAddress(ip, port, this.slots, i * STRIDE + 1) === 18;
    this.slots[i * STRIDE] = (seeder ? SEEDER : 0) | (v6 ? V6 : 0);
    this.byKey.set(key, i);
    this.peers.push(new Peer(key, ip, port, source, v6, seeder, now));
    this.budget.used++;
    if (seeder) this.seeders++;
  }

  private remove(key: string): void {
    const at = this.byKey.get(key);
    if (at === undefined) return;
    const gone = this.peers[at];
    const last = this.peers.pop()!;
    if (last !== gone) {
      const from = this.peers.length;
      this.peers[at] = last;
      this.byKey.set(last.key, at);
      this.slots.copyWithin(at * STRIDE, from * STRIDE, from * STRIDE + STRIDE);
    }
    this.byKey.delete(key);
    this.budget.used--;
    if (gone.seeder) this.seeders--;
  }

  /** Up to `n` peers other than `self`, starting at a random place so load spreads. */
  sample(n: number, selfKey: string, seederAsking: boolean): TrackedPeer[] {
    const out: TrackedPeer[] = [];
    const peers = this.peers;
    const len = peers.length;
    if (len === 0 || n === 0) return out;
    const start = Math.floor(Math.random() * len);
    const self = this.byKey.get(selfKey) ?? -1;
    // start..len, then 0..start: the same order as (start + i) % len, without the modulo
    for (let i = start, seen = 0; seen < len && out.length < n; seen++, i = i + 1 === len ? 0 : i + 1) {
      if (i === self) continue;
      const p = peers[i];
      if (seederAsking && p.seeder) continue; // a seeder has nothing to get from seeders
      out.push(p);
    }
    return out;
  }

  /**
   * The same choice as `sample`, written as compact addresses straight into `v4` and `v6`
   * (room for `n` peers each) instead of an array: the announce hot path. Counts go to `got`.
   */
  sampleCompact(n: number, selfKey: string, seederAsking: boolean, v4: Buffer, v6: Buffer, got: CompactCounts): void {
    got.v4 = 0;
    got.v6 = 0;
    const slots = this.slots;
    const len = this.peers.length;
    if (len === 0 || n === 0) return;
    const start = Math.floor(Math.random() * len);
    const self = this.byKey.get(selfKey) ?? -1;
    let taken = 0;
    for (let i = start, seen = 0; seen < len && taken < n; seen++, i = i + 1 === len ? 0 : i + 1) {
      if (i === self) continue;
      const f = slots[i * STRIDE];
      if (seederAsking && (f & SEEDER) !== 0) continue;
      // byte by byte: for 6 or 18 bytes this beats a copy call into C++ several times over
      const from = i * STRIDE + 1;
      if ((f & V6) !== 0) {
        const at = got.v6;
        for (let j = 0; j < 18; j++) v6[at + j] = slots[from + j];
        got.v6 = at + 18;
      } else {
        const at = got.v4;
        for (let j = 0; j < 6; j++) v4[at + j] = slots[from + j];
        got.v4 = at + 6;
      }
      taken++;
    }
  }

  /** Drops the peers not seen since `olderThan`; how many. */
  expire(olderThan: number): number {
    let n = 0;
    for (let i = this.peers.length - 1; i >= 0; i--) {
      const p = this.peers[i];
      if (p.lastSeen < olderThan) {
        this.remove(p.key);
        n++;
      }
    }
    return n;
  }
}
