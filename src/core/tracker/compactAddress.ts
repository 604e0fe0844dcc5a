// Peer addresses in their compact form (BEP 23: 4 address bytes + port, BEP 7: 16 + port).
import { isIPv4 } from 'node:net';

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
const IP_CACHE_SIZE = 4096;

function ipBytes(ip: string): Uint8Array {
  let b = ipCache.get(ip);
  if (b === undefined) {
    b = parseIp(ip);
    if (ipCache.size >= IP_CACHE_SIZE) ipCache.clear();
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

/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as the IPv4 address it is. */
export function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}
