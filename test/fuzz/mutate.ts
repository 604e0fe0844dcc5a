// Mutation operators shared by the targets: byte-level (bit flips, interesting integers,
// truncation, splicing, insertion, duplication) and structure-aware for bencode (an own
// tolerant tree, so mutated output can be non-canonical: unsorted or duplicate keys,
// leading zeros, hostile key names).
import { Rng } from './rng';

export const INTERESTING_U32 = [
  0, 1, 2, 4, 5, 8, 9, 12, 13, 16, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x4001, 0x4009, 0x400a, 0x7fff, 0x8000, 0xffff, 0x10000, 0x100000,
  0x100001, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];
const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x13, 0x14, 0x30, 0x39, 0x3a, 0x64, 0x65, 0x69, 0x6c, 0x2d, 0x25, 0x0d, 0x0a, 0x20, 0x3f, 0x26, 0x3d];
export const INTERESTING_NUMBERS = [
  '0', '1', '-1', '-0', '00', '01', '007', '+1', ' 1', '1 ', '1.5', '1e3', '0x10', '', '-', '65535', '65536', '4294967295', '4294967296',
  '2147483647', '2147483648', '-2147483649', '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993',
  '18446744073709551616', '99999999999999999999999999999', 'NaN', 'Infinity', '16384', '16385', '1048576',
];

export type ByteOp = (b: Buffer, rng: Rng, others: Buffer[]) => Buffer;

const flipBits: ByteOp = (b, rng) => {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  const n = rng.range(1, 8);
  for (let i = 0; i < n; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
};

const setByte: ByteOp = (b, rng) => {
  if (b.length === 0) return Buffer.from([rng.pick(INTERESTING_BYTES)]);
  const out = Buffer.from(b);
  out[rng.int(out.length)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  return out;
};

const setU32: ByteOp = (b, rng) => {
  if (b.length < 4) return b;
  const out = Buffer.from(b);
  const v = rng.pick(INTERESTING_U32);
  const at = rng.int(out.length - 3);
  if (rng.chance(0.8)) out.writeUInt32BE(v >>> 0, at);
  else out.writeUInt32LE(v >>> 0, at);
  return out;
};

const truncate: ByteOp = (b, rng) => b.subarray(0, rng.int(b.length + 1));

const dropRange: ByteOp = (b, rng) => {
  if (b.length === 0) return b;
  const at = rng.int(b.length);
  const len = rng.range(1, Math.min(b.length - at, 1 + rng.small(256)));
  return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
};

const insertBytes: ByteOp = (b, rng) => {
  const at = rng.int(b.length + 1);
  const ins = rng.chance(0.5) ? rng.bytes(rng.range(1, 1 + rng.small(64))) : Buffer.alloc(rng.range(1, 16), rng.pick(INTERESTING_BYTES));
  return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
};

const duplicate: ByteOp = (b, rng) => {
  if (b.length === 0) return b;
  const at = rng.int(b.length);
  const len = rng.range(1, Math.min(b.length - at, 512));
  const times = rng.range(1, rng.chance(0.1) ? 64 : 3);
  const parts = [b.subarray(0, at + len)];
  for (let i = 0; i < times; i++) parts.push(b.subarray(at, at + len));
  parts.push(b.subarray(at + len));
  return Buffer.concat(parts);
};

const splice: ByteOp = (b, rng, others) => {
  if (others.length === 0) return b;
  const o = rng.pick(others);
  const at = rng.int(b.length + 1);
  const from = rng.int(o.length + 1);
  return rng.chance(0.5)
    ? Buffer.concat([b.subarray(0, at), o.subarray(from)])
    : Buffer.concat([b.subarray(0, at), o.subarray(from, from + rng.range(0, 256)), b.subarray(at)]);
};

/** Replaces a run of ASCII digits with an interesting number (lengths, integers, query values). */
const numberRun: ByteOp = (b, rng) => {
  const runs: [number, number][] = [];
  for (let i = 0; i < b.length && runs.length < 256; ) {
    if (b[i] >= 0x30 && b[i] <= 0x39) {
      const s = i;
      while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) i++;
      runs.push([s, i]);
    } else i++;
  }
  if (runs.length === 0) return b;
  const [s, e] = rng.pick(runs);
  return Buffer.concat([b.subarray(0, s), Buffer.from(rng.pick(INTERESTING_NUMBERS), 'latin1'), b.subarray(e)]);
};

const OPS: [ByteOp, number][] = [
  [flipBits, 4],
  [setByte, 3],
  [setU32, 2],
  [truncate, 1],
  [dropRange, 2],
  [insertBytes, 2],
  [duplicate, 1],
  [splice, 2],
  [numberRun, 3],
];
const OP_WEIGHTS = OPS.map(([, w]) => w);

/** 1..maxOps random byte-level mutations. */
export function mutateBytes(b: Buffer, rng: Rng, others: Buffer[] = [], maxOps = 4): Buffer {
  const n = rng.range(1, maxOps);
  for (let i = 0; i < n; i++) b = OPS[rng.weighted(OP_WEIGHTS)][0](b, rng, others);
  return b;
}

// ---- bencode, tolerant and non-canonical ----

export type BNode = { t: 'i'; v: string } | { t: 's'; v: Buffer } | { t: 'l'; v: BNode[] } | { t: 'd'; v: [Buffer, BNode][] };

/** Parses bencode loosely (no strictness checks); undefined when it cannot. */
export function bparse(buf: Buffer): BNode | undefined {
  let pos = 0;
  let budget = 200_000;
  const value = (depth: number): BNode => {
    if (--budget < 0 || depth > 500 || pos >= buf.length) throw new Error('x');
    const c = buf[pos];
    if (c === 0x69) {
      const end = buf.indexOf(0x65, pos);
      if (end < 0) throw new Error('x');
      const v = buf.toString('latin1', pos + 1, end);
      pos = end + 1;
      return { t: 'i', v };
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = buf.indexOf(0x3a, pos);
      if (colon < 0) throw new Error('x');
      const len = Number(buf.toString('latin1', pos, colon));
      if (!Number.isSafeInteger(len) || colon + 1 + len > buf.length) throw new Error('x');
      pos = colon + 1 + len;
      return { t: 's', v: buf.subarray(colon + 1, pos) };
    }
    if (c === 0x6c || c === 0x64) {
      pos++;
      const items: BNode[] = [];
      const entries: [Buffer, BNode][] = [];
      while (true) {
        if (pos >= buf.length) throw new Error('x');
        if (buf[pos] === 0x65) {
          pos++;
          break;
        }
        if (c === 0x64) {
          const k = value(depth + 1);
          if (k.t !== 's') throw new Error('x');
          entries.push([k.v, value(depth + 1)]);
        } else items.push(value(depth + 1));
      }
      return c === 0x64 ? { t: 'd', v: entries } : { t: 'l', v: items };
    }
    throw new Error('x');
  };
  try {
    const v = value(0);
    return pos === buf.length ? v : undefined;
  } catch {
    return undefined;
  }
}

export function bencode(n: BNode): Buffer {
  const parts: Buffer[] = [];
  const walk = (x: BNode): void => {
    switch (x.t) {
      case 'i':
        parts.push(Buffer.from(`i${x.v}e`, 'latin1'));
        return;
      case 's':
        parts.push(Buffer.from(`${x.v.length}:`, 'latin1'), x.v);
        return;
      case 'l':
        parts.push(Buffer.from('l'));
        x.v.forEach(walk);
        parts.push(Buffer.from('e'));
        return;
      case 'd':
        parts.push(Buffer.from('d'));
        for (const [k, v] of x.v) {
          parts.push(Buffer.from(`${k.length}:`, 'latin1'), k);
          walk(v);
        }
        parts.push(Buffer.from('e'));
    }
  };
  walk(n);
  return Buffer.concat(parts);
}

/** Plain JS value → BNode with sorted keys (numbers → i, strings/Buffers → s). */
export function toNode(v: unknown): BNode {
  if (typeof v === 'number') return { t: 'i', v: String(Math.trunc(v)) };
  if (typeof v === 'string') return { t: 's', v: Buffer.from(v) };
  if (Buffer.isBuffer(v)) return { t: 's', v };
  if (Array.isArray(v)) return { t: 'l', v: v.map(toNode) };
  const o = v as Record<string, unknown>;
  return {
    t: 'd',
    v: Object.keys(o)
      .sort()
      .map((k) => [Buffer.from(k), toNode(o[k])] as [Buffer, BNode]),
  };
}

export const HOSTILE_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', 'then', 'toJSON', 'isPrototypeOf',
  'interval', 'min interval', 'peers', 'peers6', 'complete', 'incomplete', 'failure reason', 'warning message', 'sta catalog', 'tracker id',
  'files', 'info', 'name', 'name.utf-8', 'piece length', 'pieces', 'announce', 'announce-list', 'private', 'meta version', 'file tree',
  'path', 'ip', 'port', 'peer id', 'm', 'ut_metadata', 'metadata_size', 'reqq', 'v', 'comment', 'created by', 'creation date', '', '\0',
];

function randomNode(rng: Rng, depth = 0): BNode {
  const r = rng.int(depth > 3 ? 2 : 4);
  if (r === 0) return { t: 'i', v: rng.chance(0.5) ? rng.pick(INTERESTING_NUMBERS) : String(rng.int(100000) - 50) };
  if (r === 1) {
    const kind = rng.int(4);
    const v =
      kind === 0
        ? rng.bytes(rng.pick([0, 1, 6, 12, 18, 19, 20, 21, 40, 1000]))
        : kind === 1
          ? Buffer.from(rng.pick(HOSTILE_KEYS))
          : kind === 2
            ? Buffer.from('../../etc/passwd')
            : Buffer.from(rng.pick(['x', 'é', '\u202e', 'a/b', 'C:\\x', '.', '..', 'con', '%00']));
    return { t: 's', v };
  }
  if (r === 2) return { t: 'l', v: Array.from({ length: rng.small(5) }, () => randomNode(rng, depth + 1)) };
  return { t: 'd', v: Array.from({ length: rng.small(5) }, () => [Buffer.from(rng.pick(HOSTILE_KEYS)), randomNode(rng, depth + 1)] as [Buffer, BNode]) };
}

/** All nodes with a setter to replace each. */
function collect(root: BNode): { node: BNode; set: (n: BNode) => void; parent?: BNode; depth: number }[] {
  const out: { node: BNode; set: (n: BNode) => void; parent?: BNode; depth: number }[] = [];
  const walk = (n: BNode, set: (x: BNode) => void, depth: number, parent?: BNode) => {
    if (out.length > 5000) return;
    out.push({ node: n, set, parent, depth });
    if (n.t === 'l') n.v.forEach((c, i) => walk(c, (x) => (n.v[i] = x), depth + 1, n));
    else if (n.t === 'd') n.v.forEach((e) => walk(e[1], (x) => (e[1] = x), depth + 1, n));
  };
  walk(root, () => {}, 0); // the root is replaced by the caller
  return out;
}

function clone(n: BNode): BNode {
  if (n.t === 'l') return { t: 'l', v: n.v.map(clone) };
  if (n.t === 'd') return { t: 'd', v: n.v.map(([k, v]) => [k, clone(v)] as [Buffer, BNode]) };
  return { ...n } as BNode;
}

/** 1..maxOps structural mutations of a bencoded value; falls back to byte mutations. */
export function mutateBencode(buf: Buffer, rng: Rng, others: Buffer[] = [], maxOps = 3): Buffer {
  const parsed = bparse(buf);
  if (!parsed) return mutateBytes(buf, rng, others);
  let root = clone(parsed);
  const n = rng.range(1, maxOps);
  for (let i = 0; i < n; i++) {
    const nodes = collect(root);
    const pick = rng.pick(nodes);
    const replace = (x: BNode) => (pick.node === root ? (root = x) : pick.set(x));
    switch (rng.int(14)) {
      case 13: // a dict whose keys shadow Object.prototype (toString, valueOf, __proto__…)
        replace({ t: 'd', v: [[Buffer.from(rng.pick(['toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty', 'length'])), randomNode(rng, 3)]] });
        break;
      case 0: // integer to an interesting value
        if (pick.node.t === 'i') pick.node.v = rng.pick(INTERESTING_NUMBERS);
        else replace({ t: 'i', v: rng.pick(INTERESTING_NUMBERS) });
        break;
      case 1: // string: resize, empty, binary, odd lengths
        if (pick.node.t === 's') {
          const s = pick.node.v;
          const len = rng.pick([0, 1, s.length - 1, s.length + 1, s.length * 2, 5, 6, 7, 17, 18, 19, 20, 21, 1023, 4096]);
          const nb = Buffer.alloc(Math.max(0, Math.min(len, 65536)));
          s.copy(nb, 0, 0, Math.min(s.length, nb.length));
          if (nb.length > s.length) rng.bytes(nb.length - s.length).copy(nb, s.length);
          pick.node.v = nb;
        } else replace(randomNode(rng));
        break;
      case 2: // change the type
        replace(randomNode(rng));
        break;
      case 3: // add a (hostile) key to a dict
        if (pick.node.t === 'd') pick.node.v.splice(rng.int(pick.node.v.length + 1), 0, [Buffer.from(rng.pick(HOSTILE_KEYS)), randomNode(rng)]);
        else if (pick.node.t === 'l') pick.node.v.push(randomNode(rng));
        break;
      case 4: // delete an entry
        if (pick.node.t === 'd' && pick.node.v.length) pick.node.v.splice(rng.int(pick.node.v.length), 1);
        else if (pick.node.t === 'l' && pick.node.v.length) pick.node.v.splice(rng.int(pick.node.v.length), 1);
        break;
      case 5: // duplicate an entry (duplicate keys)
        if (pick.node.t === 'd' && pick.node.v.length) {
          const e = rng.pick(pick.node.v);
          pick.node.v.splice(rng.int(pick.node.v.length + 1), 0, [e[0], randomNode(rng)]);
        }
        break;
      case 6: // shuffle keys (unsorted dict)
        if (pick.node.t === 'd') pick.node.v.reverse();
        break;
      case 7: // rename a key
        if (pick.node.t === 'd' && pick.node.v.length) rng.pick(pick.node.v)[0] = Buffer.from(rng.pick(HOSTILE_KEYS));
        break;
      case 8: // wrap in lists/dicts (depth)
        {
          let x = pick.node;
          const d = rng.chance(0.2) ? rng.range(90, 130) : rng.range(1, 5);
          for (let k = 0; k < d; k++) x = rng.chance(0.5) ? { t: 'l', v: [x] } : { t: 'd', v: [[Buffer.from('a'), x]] };
          replace(x);
        }
        break;
      case 9: // copy a subtree elsewhere
        replace(clone(rng.pick(nodes).node));
        break;
      case 10: // integer with leading zeros / sign games
        if (pick.node.t === 'i') pick.node.v = rng.pick(['0' + pick.node.v, '-' + pick.node.v, pick.node.v + '0', pick.node.v.replace(/^-/, '')]);
        break;
      case 11: // many items (token counts)
        if (pick.node.t === 'l' || pick.node.t === 'd') {
          const k = rng.pick([100, 1000, 10000]);
          if (pick.node.t === 'l') for (let j = 0; j < k; j++) pick.node.v.push({ t: 'i', v: String(j) });
          else for (let j = 0; j < k; j++) pick.node.v.push([Buffer.from(`k${j}`), { t: 'i', v: '0' }]);
        }
        break;
      default:
        // leave structure alone: a byte mutation after encoding
        return mutateBytes(bencode(root), rng, others, 2);
    }
  }
  let out = bencode(root);
  if (rng.chance(0.15)) out = mutateBytes(out, rng, others, 2);
  return out;
}

/** A random bencode-ish byte string built from tokens (nesting bombs, bad numbers, truncation). */
export function bencodeGarbage(rng: Rng): Buffer {
  const parts: string[] = [];
  const n = rng.range(1, 40);
  for (let i = 0; i < n; i++) {
    switch (rng.int(9)) {
      case 0:
        parts.push('l'.repeat(rng.pick([1, 2, 50, 99, 100, 101, 1000, 20000])));
        break;
      case 1:
        parts.push('d'.repeat(rng.pick([1, 2, 99, 100, 101, 5000])));
        break;
      case 2:
        parts.push('e'.repeat(rng.range(1, 5)));
        break;
      case 3:
        parts.push(`i${rng.pick(INTERESTING_NUMBERS)}e`);
        break;
      case 4:
        parts.push(`${rng.pick(INTERESTING_NUMBERS)}:`);
        break;
      case 5:
        parts.push(`${rng.range(0, 8)}:${'abcdefgh'.slice(0, rng.range(0, 8))}`);
        break;
      case 6:
        parts.push('de', 'le', 'i0e', '0:');
        break;
      case 7:
        parts.push(`${rng.pick(HOSTILE_KEYS).length}:${rng.pick(HOSTILE_KEYS)}`);
        break;
      default:
        parts.push(rng.bytes(rng.range(1, 4)).toString('latin1'));
    }
  }
  return Buffer.from(parts.join(''), 'latin1');
}
