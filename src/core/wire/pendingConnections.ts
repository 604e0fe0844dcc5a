// Incoming connections that have not finished their handshake. Each holds a socket and a timer
// for up to the handshake timeout, so one address may hold only a few: its oldest goes when it
// opens another, and an honest peer from elsewhere is never refused because of it.
import type { PeerConnection } from './peerConnection';
import { hostOf } from './peerIo';

/** handshakes one address may have under way; libtorrent and Transmission accept a handful per IP */
export const MAX_PENDING_PER_ADDRESS = 8;

export class PendingConnections {
  /** by IP, oldest first */
  private readonly byHost = new Map<string, PeerConnection[]>();
  private count = 0;

  constructor(private readonly perAddress = MAX_PENDING_PER_ADDRESS) {}

  get size(): number {
    return this.count;
  }

  /** Adds `conn`; the oldest handshake from its address is closed when that address is over its share. */
  add(conn: PeerConnection): void {
    const host = hostOf(conn.address);
    let list = this.byHost.get(host);
    if (!list) this.byHost.set(host, (list = []));
    list.push(conn);
    this.count++;
    if (list.length > this.perAddress) this.evict(list[0], 'handshake crowded out by newer connections from the same address');
  }

  /** Forgets `conn` (its handshake finished, or it closed); false if it was not pending. */
  delete(conn: PeerConnection): boolean {
    const host = hostOf(conn.address);
    const list = this.byHost.get(host);
    const at = list ? list.indexOf(conn) : -1;
    if (!list || at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) this.byHost.delete(host);
    this.count--;
    return true;
  }

  /** Closes the oldest handshake of the address with the most under way; false if none is pending. */
  evictOne(reason: string): boolean {
    let worst: PeerConnection[] | undefined;
    for (const list of this.byHost.values()) if (!worst || list.length > worst.length) worst = list;
    if (!worst) return false;
    this.evict(worst[0], reason);
    return true;
  }

  private evict(conn: PeerConnection, reason: string): void {
    conn.close(reason);
    this.delete(conn); // whether or not a 'close' listener did already
  }

  closeAll(reason: string): void {
    for (const list of [...this.byHost.values()]) for (const conn of [...list]) conn.close(reason);
  }
}
