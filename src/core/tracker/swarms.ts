// Which peers are in which torrent's swarm: the tracker's only real state.
import { isIPv4 } from 'node:net';

export interface TrackedPeer {
  key: string; // peer id as a latin1 string
  readonly peerId: Buffer;
  ip: string;
  port: number;
  v6: boolean; // its compact address is 18 bytes (IPv6), not 6
  seeder: boolean;
  lastSeen: number;
}

class Peer implements TrackedPeer {
  constructor(
    public key: string,
    public ip: string,
    public port: number,
    public v6: boolean,
    public seeder: boolean,
    public lastSeen: number,
  ) {}

  // Made from the key when asked (only compact=0 answers ask): a 20-byte Buffer kept per peer
  // would pin a whole 8 KiB slab of Node's Buffer pool for each of thousands of peers.
  get peerId(): Buffer {
    return Buffer.from(this.key, 'latin1');
  }
}

function parseIp(ip: string): Uint8Array {
  if (isIPv4(ip)) {
    const p = ip.split('.');
    return Uint8Array.from(p, Number);
  }
  const b = Buffer.alloc(16);
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return b;
}

// A tracker sees the same few addresses over and over (a LAN, NAT): parse each once.
const ipCache = new Map<string, Uint8Array>();

function ipBytes(ip: string): Uint8Array {
  let b = ipCache.get(ip);
  if (b === undefined) {
    b = parseIp(ip);
    if (ipCache.size >= 4096) ipCache.clear();
    ipCache.set(ip, b);
  }
  return b;
}

/** Writes the compact form of ip:port (6 bytes for IPv4, 18 for IPv6) at `dst[at]`; its length. */
export function writeCompactAddress(ip: string, port: number, dst: Uint8Array, at: number): number {
  const b = ipBytes(ip);
  for (let i = 0; i < b.length; i++) dst[at + i] = b[i];
  dst[at + b.length] = port >>> 8;
  dst[at + b.length + 1] = port & 0xff;
  return b.length + 2;
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
  readonly byKey = new Map<string, number>();
  readonly peers: TrackedPeer[] = [];
  // peers[i]'s seeder/v6 flags at slots[i * STRIDE], its compact address right after: the
  // announce hot path samples these contiguous bytes instead of dozens of scattered objects
  private slots = new Uint8Array(STRIDE * 8);
  seeders = 0;
  completed = 0; // times a peer announced `completed`
  lastActivity = Date.now();

  get leechers(): number {
    return this.peers.length - this.seeders;
  }

  upsert(p: Omit<TrackedPeer, 'v6'>): TrackedPeer {
    const at = this.byKey.get(p.key);
    this.lastActivity = p.lastSeen;
    if (at !== undefined) {
      const old = this.peers[at];
      if (old.seeder !== p.seeder) this.seeders += p.seeder ? 1 : -1;
      if (old.ip !== p.ip || old.port !== p.port) {
        old.v6 = writeCompactAddress(p.ip, p.port, this.slots, at * STRIDE + 1) === 18;
        old.ip = p.ip;
        old.port = p.port;
      }
      old.seeder = p.seeder;
      old.lastSeen = p.lastSeen;
      this.slots[at * STRIDE] = (old.seeder ? SEEDER : 0) | (old.v6 ? V6 : 0);
      return old;
    }
    const i = this.peers.length;
    if ((i + 1) * STRIDE > this.slots.length) {
      const slots = new Uint8Array(this.slots.length * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    const v6 = writeCompactAddress(p.ip, p.port, this.slots, i * STRIDE + 1) === 18;
    this.slots[i * STRIDE] = (p.seeder ? SEEDER : 0) | (v6 ? V6 : 0);
    const peer = new Peer(p.key, p.ip, p.port, v6, p.seeder, p.lastSeen);
    this.byKey.set(p.key, i);
    this.peers.push(peer);
    if (peer.seeder) this.seeders++;
    return peer;
  }

  remove(key: string): boolean {
    const at = this.byKey.get(key);
    if (at === undefined) return false;
    const gone = this.peers[at];
    const last = this.peers.pop()!;
    if (last !== gone) {
      const from = this.peers.length;
      this.peers[at] = last;
      this.byKey.set(last.key, at);
      this.slots.copyWithin(at * STRIDE, from * STRIDE, from * STRIDE + STRIDE);
    }
    this.byKey.delete(key);
    if (gone.seeder) this.seeders--;
    return true;
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

export class SwarmTable {
  private readonly swarms = new Map<string, Swarm>();

  get(infoHash: string): Swarm | undefined {
    return this.swarms.get(infoHash);
  }

  getOrCreate(infoHash: string): Swarm {
    let s = this.swarms.get(infoHash);
    if (!s) this.swarms.set(infoHash, (s = new Swarm()));
    return s;
  }

  get size(): number {
    return this.swarms.size;
  }

  keys(): IterableIterator<string> {
    return this.swarms.keys();
  }

  /** Drops peers not seen since `olderThan`, and swarms left empty. */
  expire(olderThan: number): number {
    let n = 0;
    for (const [k, s] of this.swarms) {
      n += s.expire(olderThan);
      if (s.peers.length === 0 && s.completed === 0) this.swarms.delete(k);
      else if (s.peers.length === 0 && s.lastActivity < olderThan) this.swarms.delete(k);
    }
    return n;
  }
}
