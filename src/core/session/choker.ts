// Who gets upload slots: tit-for-tat (the peers that give us most, or, seeding, that take
// most) plus one optimistic unchoke rotated every 30 s so newcomers get a first piece.
import type { ReadyConnection } from '../wire/peerConnection';

export type ChokerConnection = Pick<ReadyConnection, 'ready' | 'peerInterested' | 'amChoking' | 'choke' | 'unchoke'>;

export interface ChokerPeer {
  conn: ChokerConnection;
  downloadRate: number; // from them
  uploadRate: number; // to them
}

const OPTIMISTIC_MS = 30_000;

export class Choker {
  private optimistic?: ChokerConnection;
  private optimisticSince = 0;

  constructor(private readonly slots: number, private readonly optimisticMs = OPTIMISTIC_MS) {}

  /**
   * Chokes and unchokes as `decide` says. Between periodic rounds it only fills free slots and
   * chokes peers that lost interest, never takes a slot away: no flapping.
   */
  rechoke(peers: ChokerPeer[], seeding: boolean, periodic: boolean, now = Date.now()): void {
    const unchoked = peers.filter((p) => !p.conn.amChoking).length;
    const decision = this.decide(peers, seeding, now);
    for (const p of peers) {
      if (decision.has(p.conn)) {
        if (p.conn.amChoking && (periodic || unchoked < this.slots)) p.conn.unchoke();
      } else if (periodic || !p.conn.peerInterested) {
        p.conn.choke();
      }
    }
  }

  /** Returns the set of connections to unchoke; every other one is choked. */
  decide(peers: ChokerPeer[], seeding: boolean, now = Date.now()): Set<ChokerConnection> {
    const interested = peers.filter((p) => p.conn.peerInterested && p.conn.ready);
    const out = new Set<ChokerConnection>();
    if (interested.length <= this.slots) {
      for (const p of interested) out.add(p.conn);
      return out;
    }
    const score = (p: ChokerPeer) => (seeding ? p.uploadRate : p.downloadRate);
    interested.sort((a, b) => score(b) - score(a));
    for (const p of interested.slice(0, this.slots - 1)) out.add(p.conn);
    const rest = interested.filter((p) => !out.has(p.conn));
    let optimistic = rest.find((p) => p.conn === this.optimistic)?.conn;
    if (!optimistic || now - this.optimisticSince >= this.optimisticMs) {
      optimistic = rest[Math.floor(Math.random() * rest.length)].conn;
      this.optimistic = optimistic;
      this.optimisticSince = now;
    }
    out.add(optimistic);
    return out;
  }
}
