import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from '../../../src/core/bencode';
import {
  choosePieceLength,
  createTorrent,
  magnetUri,
  MAX_TORRENT_BYTES,
  MetainfoError,
  parseMagnet,
  parseTorrent,
  pieceSize,
} from '../../../src/core/metainfo';
import { makeTempDir, writeRandomFile } from '../../helpers/files';
import { run } from '../../helpers/processes';

const ANNOUNCE = 'http://127.0.0.1:6969/announce';
const KiB = 1024;
const MiB = 1024 * 1024;

/** What aria2c -S says about a .torrent: an implementation that shares no code with STA. */
async function aria2Show(torrent: string): Promise<{ infoHash: string; pieceCount: number; length: number; mode: string; name: string }> {
  const r = await run('aria2c', ['-S', torrent], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `aria2c -S ${torrent} failed: ${r.stderr}${r.stdout}`);
  const field = (re: RegExp) => {
    const m = re.exec(r.stdout);
    assert.ok(m, `aria2c -S output lacks ${re}:\n${r.stdout}`);
    return m[1];
  };
  return {
    infoHash: field(/^Info Hash: ([0-9a-f]{40})$/m),
    pieceCount: Number(field(/^The Number of Pieces: (\d+)$/m)),
    length: Number(field(/^Total Length: .*\(([\d,]+)\)$/m).replace(/,/g, '')),
    mode: field(/^Mode: (\w+)$/m),
    name: field(/^Name: (.*)$/m),
  };
}

/** mktorrent -l log2 [-p] -a URL -o out file */
async function mktorrent(file: string, out: string, log2: number, priv: boolean): Promise<Buffer> {
  const r = await run('mktorrent', ['-l', String(log2), ...(priv ? ['-p'] : []), '-a', ANNOUNCE, '-o', out, file], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `mktorrent failed: ${r.stderr}${r.stdout}`);
  return fsp.readFile(out);
}

/** The info-hash computed from first principles: read the file, SHA-1 each piece, hand-write the bencode. */
async function referenceInfoHash(file: string, name: string, pieceLength: number, priv: boolean): Promise<string> {
  const data = await fsp.readFile(file);
  const hashes: Buffer[] = [];
  for (let off = 0; off < data.length; off += pieceLength) hashes.push(createHash('sha1').update(data.subarray(off, off + pieceLength)).digest());
  const pieces = Buffer.concat(hashes);
  const nameBytes = Buffer.from(name, 'utf8');
  const info = Buffer.concat([
    Buffer.from(`d6:lengthi${data.length}e4:name${nameBytes.length}:`),
    nameBytes,
    Buffer.from(`12:piece lengthi${pieceLength}e6:pieces${pieces.length}:`),
    pieces,
    Buffer.from(priv ? '7:privatei1ee' : 'e'),
  ]);
  return createHash('sha1').update(info).digest('hex');
}

const fails = (buf: Buffer, re: RegExp) =>
  assert.throws(() => parseTorrent(buf), (e: unknown) => {
    assert.ok(e instanceof Error, String(e));
    assert.match((e as Error).message, re);
    return true;
  });

describe('metainfo', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  const sizes = [1, 16383, 16384, 3_000_001, 5 * MiB];
  const files: Record<number, string> = {};

  before(async () => {
    ({ dir, cleanup } = await makeTempDir('sta-metainfo-'));
    for (const size of sizes) {
      files[size] = join(dir, `random-${size}.bin`);
      await writeRandomFile(files[size], size);
    }
  });
  after(async () => cleanup?.());

  // mktorrent 1.1 accepts -l 15..28 only, so 32 KiB is its smallest piece; 16 KiB is checked
  // against a hand-written reference and aria2 below.
  for (const log2 of [15, 16, 18, 20]) {
    for (const priv of [false, true]) {
      it(`STA and mktorrent agree on the info-hash: pieces 2^${log2}, ${priv ? 'private' : 'public'}, ${sizes.length} file sizes`, async () => {
        for (const size of sizes) {
          const file = files[size];
          const out = join(dir, `mk-${size}-${log2}-${priv ? 'p' : 'n'}.torrent`);
          const mk = parseTorrent(await mktorrent(file, out, log2, priv));
          const sta = await createTorrent(file, { announce: ANNOUNCE, pieceLength: 2 ** log2, private: priv });
          const a2 = await aria2Show(out);
          const where = `size ${size}, piece 2^${log2}`;
          assert.equal(a2.infoHash, mk.infoHashHex, `aria2 and parseTorrent disagree on mktorrent's hash (${where})`);
          assert.equal(sta.infoHashHex, mk.infoHashHex, `STA and mktorrent disagree (${where})`);
          assert.equal(sta.infoHashHex, await referenceInfoHash(file, `random-${size}.bin`, 2 ** log2, priv), where);
          assert.equal(mk.private, priv);
          assert.equal(sta.private, priv);
          assert.equal(mk.length, size);
          assert.equal(mk.pieceLength, 2 ** log2);
          assert.equal(mk.pieceCount, Math.ceil(size / 2 ** log2));
          assert.equal(a2.pieceCount, mk.pieceCount);
          assert.equal(a2.length, size);
          assert.deepEqual(mk.pieceHashes, sta.pieceHashes);
          assert.equal(mk.announce, ANNOUNCE);
          assert.deepEqual(mk.announceList, [[ANNOUNCE]]);
        }
      });
    }
  }

  for (const priv of [false, true]) {
    it(`16 KiB pieces (${priv ? 'private' : 'public'}): STA matches a from-scratch reference, and aria2 reads STA's torrent to the same hash`, async () => {
      for (const size of sizes) {
        const sta = await createTorrent(files[size], { announce: ANNOUNCE, pieceLength: 16 * KiB, private: priv });
        assert.equal(sta.infoHashHex, await referenceInfoHash(files[size], `random-${size}.bin`, 16 * KiB, priv));
        const out = join(dir, `sta-${size}-14-${priv}.torrent`);
        await fsp.writeFile(out, sta.torrent);
        const a2 = await aria2Show(out);
        assert.equal(a2.infoHash, sta.infoHashHex);
        assert.equal(a2.pieceCount, Math.ceil(size / (16 * KiB)));
        assert.equal(a2.length, size);
        assert.equal(a2.mode, 'single');
        assert.equal(a2.name, `random-${size}.bin`);
        // parsing STA's own bytes gives the same result
        assert.equal(parseTorrent(sta.torrent).infoHashHex, sta.infoHashHex);
      }
    });
  }

  it('aria2 reads STA torrents with default piece lengths and an announce-list', async () => {
    for (const size of sizes) {
      const sta = await createTorrent(files[size], { announceList: [[ANNOUNCE], ['http://127.0.0.1:7070/announce']] });
      assert.equal(sta.pieceLength, choosePieceLength(size));
      const out = join(dir, `sta-default-${size}.torrent`);
      await fsp.writeFile(out, sta.torrent);
      assert.equal((await aria2Show(out)).infoHash, sta.infoHashHex);
      assert.deepEqual(sta.announceList, [[ANNOUNCE], ['http://127.0.0.1:7070/announce']]);
      assert.equal(sta.announce, ANNOUNCE);
    }
  });

  it('hashes the info bytes as sent: a torrent with unsorted info keys keeps its own hash', async () => {
    const mk = decode(await mktorrent(files[16384], join(dir, 'unsorted-src.torrent'), 15, false));
    const info = mk.info;
    // hand-write the info dict with keys out of order (bencode would sort them)
    const rawInfo = Buffer.concat([
      Buffer.from(`d4:name${info.name.length}:`),
      info.name,
      Buffer.from(`6:pieces${info.pieces.length}:`),
      info.pieces,
      Buffer.from(`6:lengthi${info.length}e12:piece lengthi${info['piece length']}ee`),
    ]);
    const torrent = Buffer.concat([Buffer.from(`d8:announce${ANNOUNCE.length}:${ANNOUNCE}4:info`), rawInfo, Buffer.from('e')]);
    const out = join(dir, 'unsorted.torrent');
    await fsp.writeFile(out, torrent);
    const m = parseTorrent(torrent);
    assert.equal(m.infoHashHex, createHash('sha1').update(rawInfo).digest('hex'));
    // aria2 hashes its own re-encoding of the info dict (keys sorted), so it disagrees on
    // such a torrent; libtorrent and BEP 3 hash the bytes as sent, as STA does
    const canonical = createHash('sha1').update(encode(decode(rawInfo))).digest('hex');
    assert.notEqual(canonical, m.infoHashHex);
    assert.equal((await aria2Show(out)).infoHash, canonical);
  });

  describe('parseTorrent rejects', () => {
    const good = () => ({
      announce: Buffer.from(ANNOUNCE),
      info: { length: 100_000, name: Buffer.from('f.bin'), 'piece length': 32768, pieces: Buffer.alloc(4 * 20, 1) },
    });
    const withInfo = (patch: Record<string, unknown>, drop: string[] = []) => {
      const t = good();
      const info: Record<string, unknown> = { ...t.info, ...patch };
      for (const k of drop) delete info[k];
      return encode({ ...t, info });
    };

    it('accepts the baseline used below', () => {
      const m = parseTorrent(encode(good()));
      assert.equal(m.pieceCount, 4);
      assert.equal(pieceSize(m, 3), 100_000 - 3 * 32768);
      assert.equal(pieceSize(m, 0), 32768);
    });

    it('multi-file torrents (mktorrent on a directory)', async () => {
      const d = join(dir, 'multi');
      await fsp.mkdir(d);
      await fsp.writeFile(join(d, 'a'), 'aaaa');
      await fsp.writeFile(join(d, 'b'), 'bbbb');
      const buf = await mktorrent(d, join(dir, 'multi.torrent'), 15, true);
      const shown = await aria2Show(join(dir, 'multi.torrent'));
      assert.equal(shown.mode, 'multi');
      const m = parseTorrent(buf);
      assert.equal(m.infoHashHex, shown.infoHash);
      assert.equal(m.multiFile, true);
      assert.equal(m.length, 8);
      assert.deepEqual(m.files, [{ path: 'a', length: 4, offset: 0 }, { path: 'b', length: 4, offset: 4 }]);
    });

    it('pieces of the wrong length', () => {
      fails(withInfo({ pieces: Buffer.alloc(79) }), /20-byte/);
      fails(withInfo({ pieces: Buffer.alloc(3 * 20) }), /holds 3 hashes; .* need 4/);
      fails(withInfo({ pieces: Buffer.alloc(5 * 20) }), /holds 5 hashes/);
      fails(withInfo({ pieces: Buffer.alloc(0) }), /holds 0 hashes/);
      fails(withInfo({ pieces: 12345 }), /pieces/);
      fails(withInfo({}, ['pieces']), /pieces/);
    });

    it('piece lengths that are not a power of two, or out of range', () => {
      for (const pl of [20_000, 3 * 16384, 16385, 32767, 8192, 1, 0, -32768, 128 * MiB]) fails(withInfo({ 'piece length': pl }), /piece length/);
      fails(withInfo({ 'piece length': Buffer.from('32768') }), /piece length/);
      fails(withInfo({}, ['piece length']), /piece length/);
    });

    it('a missing, empty or non-string name', () => {
      fails(withInfo({}, ['name']), /name/);
      fails(withInfo({ name: Buffer.alloc(0) }), /name/);
      fails(withInfo({ name: 5 }), /name/);
    });

    it('bad lengths, too many pieces, missing info, v2-only, non-dicts and bad bencode', () => {
      fails(withInfo({ length: 0, pieces: Buffer.alloc(0) }), /length/);
      fails(withInfo({ length: -5 }), /length/);
      fails(withInfo({ length: Buffer.from('100000') }), /length/);
      fails(withInfo({ length: 2 ** 40, 'piece length': 16384 }), /pieces is more than the limit/);
      fails(encode({ announce: ANNOUNCE }), /no info/);
      fails(encode({ info: [1, 2] }), /info/);
      fails(encode({ info: Buffer.from('x') }), /info/);
      fails(encode({ info: { 'meta version': 2, name: 'x', 'file tree': {}, 'piece length': 16384 } }), /v2/);
      fails(encode([1, 2, 3]), /not a dictionary/);
      fails(Buffer.from('i42e'), /not a dictionary/);
      fails(Buffer.concat([encode(good()), Buffer.from('x')]), /trailing/);
      fails(encode(good()).subarray(0, 50), /bencode/);
      fails(Buffer.from('d4:infod6:lengthi01eee'), /bad number/);
    });

    it('oversized torrents, before parsing them', () => {
      const t = good() as Record<string, unknown>;
      t.comment = Buffer.alloc(MAX_TORRENT_BYTES, 0x61);
      const big = encode(t);
      assert.ok(big.length > MAX_TORRENT_BYTES);
      fails(big, /limit is/);
      // a buffer of garbage that big is refused for its size, not for its content
      fails(Buffer.alloc(MAX_TORRENT_BYTES + 1, 0xff), /limit is/);
    });

    it('throws only MetainfoError or BencodeError on mutated torrents', async () => {
      const base = await mktorrent(files[16383], join(dir, 'fuzz.torrent'), 15, false);
      let seed = 7;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      for (let i = 0; i < 1000; i++) {
        const m = Buffer.from(base);
        for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
        try {
          parseTorrent(m);
        } catch (e) {
          assert.ok(e instanceof MetainfoError || (e as Error).constructor.name === 'BencodeError', `mutation ${i}: ${(e as Error).stack}`);
        }
      }
    });
  });

  describe('createTorrent', () => {
    it('refuses empty files, directories and bad piece lengths', async () => {
      const empty = join(dir, 'empty.bin');
      await fsp.writeFile(empty, '');
      await assert.rejects(createTorrent(empty), /empty/);
      await assert.rejects(createTorrent(dir), /not a regular file/);
      for (const pl of [8192, 20000, 128 * MiB]) await assert.rejects(createTorrent(files[1], { pieceLength: pl }), /piece length/);
    });

    it('reports progress up to the file size and honours name and comment', async () => {
      const seen: number[] = [];
      const onProgress = (n: number, total: number) => (assert.equal(total, 3_000_001), seen.push(n));
      const m = await createTorrent(files[3_000_001], { announce: ANNOUNCE, name: 'renamed.bin', comment: 'hi', onProgress });
      assert.equal(seen[seen.length - 1], 3_000_001);
      assert.ok(seen.every((v, i) => i === 0 || v > seen[i - 1]));
      assert.equal(m.name, 'renamed.bin');
      assert.equal(decode(m.torrent).comment.toString(), 'hi');
    });

    it('chooses 16 KiB–16 MiB powers of two for about 1,000–2,000 pieces', () => {
      assert.equal(choosePieceLength(1), 16 * KiB);
      assert.equal(choosePieceLength(2000 * 16 * KiB), 16 * KiB);
      assert.equal(choosePieceLength(2000 * 16 * KiB + 1), 32 * KiB);
      for (const size of [100 * MiB, 1024 * MiB, 8 * 1024 * MiB]) {
        const pl = choosePieceLength(size);
        assert.equal(pl & (pl - 1), 0);
        const n = Math.ceil(size / pl);
        assert.ok(n >= 1000 && n <= 2000, `${size} → ${pl} gives ${n} pieces`);
      }
      assert.equal(choosePieceLength(2 ** 50), 16 * MiB);
    });
  });

  describe('magnet links', () => {
    it('round-trip name, info-hash and trackers (hex and base32 forms)', async () => {
      const m = await createTorrent(files[16384], { announceList: [[ANNOUNCE, 'http://127.0.0.1:1/announce?x=1&y=2']], name: 'a name & more ünïcode?.bin' });
      const uri = magnetUri(m);
      assert.match(uri, /^magnet:\?xt=urn:btih:[0-9a-f]{40}&/);
      const back = parseMagnet(uri);
      assert.equal(back.infoHashHex, m.infoHashHex);
      assert.equal(back.name, 'a name & more ünïcode?.bin');
      assert.deepEqual(back.trackers, [ANNOUNCE, 'http://127.0.0.1:1/announce?x=1&y=2']);
      // base32 (RFC 4648) form of the same hash, upper case hex too
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
      const bits = [...m.infoHash].map((x) => x.toString(2).padStart(8, '0')).join('');
      const b32 = bits.match(/.{5}/g)!.map((g) => alphabet[parseInt(g, 2)]).join('');
      assert.equal(parseMagnet(`magnet:?xt=urn:btih:${b32}`).infoHashHex, m.infoHashHex);
      assert.equal(parseMagnet(`magnet:?xt=urn:btih:${b32.toLowerCase()}&dn=x`).infoHashHex, m.infoHashHex);
      assert.equal(parseMagnet(`magnet:?xt=urn:btih:${m.infoHashHex.toUpperCase()}`).infoHashHex, m.infoHashHex);
    });

    it('aria2 agrees with the magnet we print', async () => {
      const m = await createTorrent(files[1], { announce: ANNOUNCE });
      const out = join(dir, 'magnet.torrent');
      await fsp.writeFile(out, m.torrent);
      const r = await run('aria2c', ['-S', out]);
      const a2 = /^Magnet URI: (.*)$/m.exec(r.stdout);
      assert.ok(a2);
      assert.equal(parseMagnet(a2[1]).infoHashHex, m.infoHashHex);
      assert.deepEqual(parseMagnet(a2[1]).trackers, [ANNOUNCE]);
    });

    it('rejects links without a v1 info-hash', () => {
      assert.throws(() => parseMagnet('http://x/?xt=urn:btih:' + 'a'.repeat(40)), /not a magnet/);
      assert.throws(() => parseMagnet('magnet:?dn=x'), /info-hash/);
      assert.throws(() => parseMagnet('magnet:?xt=urn:btih:' + 'a'.repeat(39)), /info-hash/);
      assert.throws(() => parseMagnet('magnet:?xt=urn:btih:' + 'g'.repeat(40)), /info-hash/);
      assert.throws(() => parseMagnet('magnet:?xt=urn:btmh:1220' + 'a'.repeat(64)), /info-hash/);
    });
  });
});
