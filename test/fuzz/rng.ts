// A small seeded PRNG (sfc32 keyed through a 32-bit mixer): every fuzz input is generated from
// Rng(seed, target, index) alone, so `--seed S --targets T --from I --count 1` replays input I.

function mix32(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...keys: (number | string)[]) {
    let h = 0x9747b28c;
    for (const k of keys) {
      if (typeof k === 'string') h = mix32(h, hashString(k));
      else {
        h = mix32(h, k >>> 0);
        h = mix32(h, Math.floor(k / 0x100000000) >>> 0);
      }
    }
    this.a = fmix32(h ^ 0x243f6a88);
    this.b = fmix32(h ^ 0x85a308d3);
    this.c = fmix32(h ^ 0x13198a2e);
    this.d = fmix32(h ^ 0x03707344) | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** uniform in [0, n) */
  int(n: number): number {
    if (n <= 0) return 0;
    if (n <= 0x100000000) return Math.floor((this.u32() / 0x100000000) * n);
    return Math.floor(this.float() * n);
  }

  /** uniform in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  float(): number {
    return (this.u32() * 0x100000000 + this.u32()) / 2 ** 64;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** index picked with the given weights */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE(this.u32(), i);
    for (; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }

  /** a small number, mostly 0..8, sometimes larger: mutation counts and lengths */
  small(max = 64): number {
    const r = this.int(10);
    if (r < 6) return this.int(Math.min(9, max + 1));
    if (r < 9) return this.int(Math.min(65, max + 1));
    return this.int(max + 1);
  }
}

/** Fills a buffer quickly with deterministic pseudo-random bytes (the seeded file). */
export function fillDeterministic(buf: Buffer, seed: number): void {
  let x = (fmix32(seed >>> 0) | 1) >>> 0;
  const words = Math.floor(buf.length / 4);
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteOffset % 4 === 0 ? words : 0);
  if (u32.length === words) {
    for (let i = 0; i < words; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      u32[i] = x >>> 0;
    }
  } else {
    for (let i = 0; i < words; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf.writeUInt32LE(x >>> 0, i * 4);
    }
  }
  for (let i = words * 4; i < buf.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
}
