// Who gets upload slots: tit-for-tat (the peers that give us most, or, seeding, that take
// most) plus one optimistic unchoke rotated every 30 s so newcomers get a first piece.
import type { PeerConnection } from '../wire/peerConnection';

export interface ChokerPeer {
  conn: PeerConnection;
  downloadRate: number; // from them
  uploadRate: number; // to them
}

export class Choker {
  private optimistic?: PeerConnection;
  private optimisticSince = 0;

  constructor(private readonly slots: number, private readonly optimisticMs = 30_000) {}

  /** Returns the set of connections to unchoke; every other one is choked. */
  decide(peers: ChokerPeer[], seeding: boolean, now = Date.now()): Set<PeerConnection> {
    const interested = peers.filter((p) => p.conn.peerInterested && p.conn.ready);
    const out = new Set<PeerConnection>();
    if (interested.length <= this.slots) {
      for (const p of interested) out.add(p.conn);
      return out;
    }
    const score = (p: ChokerPeer) => (seeding ? p.uploadRate : p.downloadRate);
    interested.sort((a, b) => score(b) - score(a));
    for (const p of interested.slice(0, this.slots - 1)) out.add(p.conn);
    const rest = interested.filter((p) => !out.has(p.conn));
    const stillThere = rest.some((p) => p.conn === this.optimistic);
    if (!stillThere || now - this.optimisticSince >= this.optimisticMs) {
      this.optimistic = rest[Math.floor(Math.random() * rest.length)].conn;
      this.optimisticSince = now;
    }
    out.add(this.optimistic!);
    return out;
  }
}
