// Who sent data that failed a hash check, and whom that got banned: the one record of bans,
// by peer id and by address, so a banned peer is refused however it comes back.

/** a peer that alone sent a bad piece is banned at once; one of several, after this many */
export const STRIKES_TO_BAN = 3;

export class PeerStrikes {
  private readonly strikes = new Map<string, number>();
  /** peer ids (hex) and addresses ("ip:port") */
  private readonly banned = new Set<string>();

  /** `key` is a peer id (hex) or an address. */
  isBanned(key: string): boolean {
    return this.banned.has(key);
  }

  ban(id: string, address?: string): void {
    this.banned.add(id);
    if (address !== undefined) this.banned.add(address);
  }

  /**
   * A piece whose blocks came from `contributors` (peer ids) failed its check: strikes each of
   * them and returns the ones that have now earned a ban (recorded by id).
   */
  badPiece(contributors: ReadonlySet<string>): string[] {
    // a banned peer's blocks explain the failure; the others are not to blame
    for (const id of contributors) if (this.banned.has(id)) return [];
    const out: string[] = [];
    for (const id of contributors) {
      const strikes = (this.strikes.get(id) ?? 0) + (contributors.size === 1 ? STRIKES_TO_BAN : 1);
      this.strikes.set(id, strikes);
      if (strikes < STRIKES_TO_BAN) continue;
      this.banned.add(id);
      out.push(id);
    }
    return out;
  }
}
