// Announce requests built by hand, for tests that talk to a tracker the way a client does.
import { randomBytes } from 'node:crypto';

/** Percent-encodes every byte (what a client does for info_hash / peer_id). */
export const pct = (b: Buffer): string => [...b].map((x) => '%' + x.toString(16).padStart(2, '0').toUpperCase()).join('');

/** A 20-byte peer id in the BEP 20 style. */
export const peerId = (tag = 'TT0001'): Buffer => Buffer.concat([Buffer.from(`-${tag}-`.slice(0, 8)), randomBytes(12)]);

export interface AnnounceParams {
  infoHash: Buffer;
  peerId: Buffer;
  port: number;
  left?: number;
  event?: string;
  numwant?: number;
  compact?: 0 | 1;
  noPeerId?: boolean;
  ip?: string;
  extra?: string;
}

export function announceQuery(p: AnnounceParams): string {
  const parts = [
    `info_hash=${pct(p.infoHash)}`,
    `peer_id=${pct(p.peerId)}`,
    `port=${p.port}`,
    'uploaded=0',
    'downloaded=0',
    `left=${p.left ?? 1000}`,
  ];
  if (p.compact !== undefined) parts.push(`compact=${p.compact}`);
  if (p.event) parts.push(`event=${p.event}`);
  if (p.numwant !== undefined) parts.push(`numwant=${p.numwant}`);
  if (p.noPeerId) parts.push('no_peer_id=1');
  if (p.ip) parts.push(`ip=${encodeURIComponent(p.ip)}`);
  if (p.extra) parts.push(p.extra);
  return parts.join('&');
}
