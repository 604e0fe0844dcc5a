// Every torrent's swarm by info-hash: the tracker's only real state.
import { Swarm } from './swarm';

export class SwarmTable {
  private readonly swarms = new Map<string, Swarm>();

  get(infoHashHex: string): Swarm | undefined {
    return this.swarms.get(infoHashHex);
  }

  getOrCreate(infoHashHex: string): Swarm {
    let s = this.swarms.get(infoHashHex);
    if (!s) this.swarms.set(infoHashHex, (s = new Swarm()));
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
      if (s.size === 0 && s.completed === 0) this.swarms.delete(k);
      else if (s.size === 0 && s.lastActivity < olderThan) this.swarms.delete(k);
    }
    return n;
  }
}
