import assert from 'node:assert/strict';
import { encode } from '../../../src/core/bencode';
import { MetainfoError, parseTorrent } from '../../../src/core/metainfo';
import { MAX_FILES, spansOf, type TorrentFile } from '../../../src/core/torrentFiles';

const PL = 16 * 1024;

/** A multi-file torrent of `files` ([path parts, length]); pieces are zeros of the right count. */
function multi(files: [unknown, number][], extra: Record<string, unknown> = {}, name: unknown = 'folder'): Buffer {
  const total = files.reduce((n, [, l]) => n + l, 0);
  const info = {
    files: files.map(([path, length]) => ({ length, path })),
    name,
    'piece length': PL,
    pieces: Buffer.alloc(Math.max(1, Math.ceil(total / PL)) * 20),
    ...extra,
  };
  return encode({ announce: 'http://127.0.0.1:1/announce', info });
}

function refused(buf: Buffer, re: RegExp): void {
  assert.throws(() => parseTorrent(buf), (e: Error) => e instanceof MetainfoError && re.test(e.message), `expected a MetainfoError matching ${re}`);
}

describe('multi-file metainfo (BEP 3 files)', () => {
  it('lists the files with their offsets, forward-slash paths and the total length; empty files are legal', () => {
    const m = parseTorrent(multi([[['a.txt'], 10], [['sub', 'deep', 'b.bin'], PL + 5], [['empty'], 0], [['z'], 1]]));
    assert.equal(m.multiFile, true);
    assert.equal(m.name, 'folder');
    assert.equal(m.length, 10 + PL + 5 + 1);
    assert.equal(m.pieceCount, 2);
    assert.deepEqual(m.files, [
      { path: 'a.txt', length: 10, offset: 0 },
      { path: 'sub/deep/b.bin', length: PL + 5, offset: 10 },
      { path: 'empty', length: 0, offset: PL + 15 },
      { path: 'z', length: 1, offset: PL + 15 },
    ]);
  });

  it('a single-file torrent is one file named after it', () => {
    const buf = encode({ info: { length: 5, name: 'one.bin', 'piece length': PL, pieces: Buffer.alloc(20) } });
    const m = parseTorrent(buf);
    assert.equal(m.multiFile, false);
    assert.deepEqual(m.files, [{ path: 'one.bin', length: 5, offset: 0 }]);
  });

  it('refuses hostile and broken file lists, each with a clear reason', () => {
    refused(multi([]), /non-empty list/);
    refused(multi([[[], 5]]), /path must be a non-empty list/);
    refused(multi([[['..', 'etc', 'passwd'], 5]]), /"\.\."/);
    refused(multi([[['a', '..'], 5]]), /"\.\."/);
    refused(multi([[['/etc/passwd'], 5]]), /separator/);
    refused(multi([[['a/../../b'], 5]]), /separator/);
    refused(multi([[['a\\b'], 5]]), /separator/);
    refused(multi([[['C:evil'], 5]]), /drive prefix/);
    refused(multi([[['a\0b'], 5]]), /NUL/);
    refused(multi([[['a\x1bb'], 5]]), /control character/);
    refused(multi([[[''], 5]]), /empty/);
    refused(multi([[['.'], 5]]), /directory/);
    refused(multi([[['x'.repeat(256)], 5]]), /256 bytes long; the limit is 255/);
    refused(multi([[Array(33).fill('d'), 5]]), /33 folders deep; the limit is 32/);
    refused(multi([[Array(20).fill('d'.repeat(60)), 5]]), /characters long; the limit is 1024/);
    refused(multi([[['a'], -1]]), /length must be a non-negative integer/);
    refused(multi([[['a'], '5' as unknown as number]]), /length must be a non-negative integer/);
    refused(multi([[[5], 5]]), /is not a string/);
    refused(multi([[['.sta', 'x'], 5]]), /STA's own folder/);
  });

  it('refuses duplicate paths, paths that differ only in case, and a file where a folder must be', () => {
    refused(multi([[['a', 'b'], 1], [['a', 'b'], 1]]), /"a\/b" collides with "a\/b"/);
    refused(multi([[['Read.ME'], 1], [['read.me'], 1]]), /collides with "Read.ME" \(paths are compared without case\)/);
    refused(multi([[['a'], 1], [['a', 'b'], 1]]), /needs a folder where the file "a" is/);
    refused(multi([[['A'], 1], [['a', 'b'], 1]]), /needs a folder where the file "A" is/);
    refused(multi([[['a', 'b'], 1], [['a'], 1]]), /"a" collides with "a\/b"/);
  });

  it('refuses an unsafe name, both length and files, all-empty files, and more files than the cap', () => {
    refused(multi([[['a'], 1]], {}, '..'), /info\.name: .*directory/);
    refused(multi([[['a'], 1]], {}, 'a/b'), /info\.name: .*separator/);
    refused(multi([[['a'], 1]], { length: 1 }), /both length and files/);
    refused(multi([[['a'], 0], [['b'], 0]]), /every file .* is empty/);
    const many: [unknown, number][] = Array.from({ length: MAX_FILES + 1 }, (_, i) => [[`f${i}`], 1]);
    refused(multi(many), new RegExp(`lists ${MAX_FILES + 1} files; the limit is ${MAX_FILES}`));
  });

  it('spansOf: a range across files, skipping empty ones', () => {
    const files: TorrentFile[] = [
      { path: 'a', length: 10, offset: 0 },
      { path: 'e', length: 0, offset: 10 },
      { path: 'b', length: 5, offset: 10 },
      { path: 'c', length: 20, offset: 15 },
    ];
    assert.deepEqual(spansOf(files, 0, 35), [
      { file: 0, fileOffset: 0, length: 10 },
      { file: 2, fileOffset: 0, length: 5 },
      { file: 3, fileOffset: 0, length: 20 },
    ]);
    assert.deepEqual(spansOf(files, 12, 4), [
      { file: 2, fileOffset: 2, length: 3 },
      { file: 3, fileOffset: 0, length: 1 },
    ]);
    assert.deepEqual(spansOf(files, 10, 1), [{ file: 2, fileOffset: 0, length: 1 }]);
    assert.throws(() => spansOf(files, 30, 10), RangeError);
  });
});
