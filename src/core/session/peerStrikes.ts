// Who sent data that failed a hash check, and whom that got banned: the one record of bans,
// by peer id and by address, so a banned peer is refused however it comes back. Parole as in
// libtorrent: a piece with several senders blames nobody; its senders then fetch whole pieces
// alone, so a liar soon sends a bad piece by itself, and only that bans.

export interface BadPieceVerdict {
  /** peer ids (hex) banned now: the sole sender of the piece */
  ban: string[];
  /** peer ids (hex) that go on parole: the senders of a piece that several peers sent */
  parole: string[];
}

export class PeerStrikes {
  /** peer ids (hex), addresses ("ip:port") of peers we dialled, IPs of peers that dialled us */
  private readonly banned = new Set<string>();

  /** `key` is a peer id (hex), an "ip:port" or an IP. */
  isBanned(key: string): boolean {
    return this.banned.has(key);
  }

  ban(id: string, address?: string): void {
    this.banned.add(id);
    if (address !== undefined) this.banned.add(address);
  }

  /** A piece whose blocks came from `contributors` (peer ids) failed its check. */
  badPiece(contributors: ReadonlySet<string>): BadPieceVerdict {
    // a banned peer's blocks explain the failure; the others are not to blame
    for (const id of contributors) if (this.banned.has(id)) return { ban: [], parole: [] };
    if (contributors.size > 1) return { ban: [], parole: [...contributors] };
    for (const id of contributors) this.banned.add(id);
    return { ban: [...contributors], parole: [] };
  }
}
