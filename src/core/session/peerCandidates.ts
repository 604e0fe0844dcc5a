// The dialer's table: the addresses trackers gave us, with backoff for those that failed and a
// memory of the seeders we are done with; banned addresses are never handed out.
import type { PeerAddress } from '../trackerClient/peers';

export interface Candidate extends PeerAddress {
  key: string; // "ip:port"
  failures: number;
  nextTry: number;
}

const MAX_FAILURES = 5;
/** dials in flight at once, per torrent */
const MAX_DIALING = 10;

export class PeerCandidates {
  private readonly known = new Map<string, Candidate>();
  private readonly dialing = new Set<string>();
  private readonly finished = new Set<string>();

  constructor(private readonly isBanned: (address: string) => boolean) {}

  get dialingCount(): number {
    return this.dialing.size;
  }

  /** addresses known, dialled or not */
  get size(): number {
    return this.known.size;
  }

  /** New addresses from a tracker; `seeding` skips the seeders we already finished with. */
  add(peers: PeerAddress[], seeding: boolean): void {
    for (const p of peers) {
      const key = `${p.ip}:${p.port}`;
      if (this.known.has(key) || this.isBanned(key) || (seeding && this.finished.has(key))) continue;
      this.known.set(key, { ...p, key, failures: 0, nextTry: 0 });
    }
  }

  /** A seeder left after a complete exchange: once we seed too there is nothing to trade. */
  finishedWith(key: string, seeding: boolean): void {
    this.finished.add(key);
    if (seeding) this.known.delete(key);
  }

  /** Up to `room` candidates due for a dial, marked as dialling. */
  take(room: number, isConnected: (key: string) => boolean, now = Date.now()): Candidate[] {
    const out: Candidate[] = [];
    for (const c of this.known.values()) {
      if (out.length >= room || this.dialing.size >= MAX_DIALING) break;
      if (this.isBanned(c.key)) {
        this.known.delete(c.key);
        continue;
      }
      if (this.dialing.has(c.key) || c.nextTry > now || isConnected(c.key)) continue;
      this.dialing.add(c.key);
      out.push(c);
    }
    return out;
  }

  connected(c: Candidate): void {
    this.dialing.delete(c.key);
  }

  /** The dial or the handshake failed: try again later, less and less often, then give up. */
  failed(c: Candidate, now = Date.now()): void {
    this.dialing.delete(c.key);
    c.failures++;
    c.nextTry = now + Math.min(2000 * 2 ** c.failures, 60_000);
    if (c.failures > MAX_FAILURES) this.known.delete(c.key);
  }

  clear(): void {
    this.known.clear();
  }
}
