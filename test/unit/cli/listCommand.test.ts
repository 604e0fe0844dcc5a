// `sta list`'s table: a long path cut in the middle with "…" (its file name stays), whole with --wide;
// names from the network shown without control characters.
import assert from 'node:assert/strict';
import type { CatalogFileJson } from '../../../src/core/api';
import { catalogTable, cutMiddle, NAME_WIDTH } from '../../../src/cli/listCommand';

const file = (path: string): CatalogFileJson => ({
  name: path.split('/').at(-1)!,
  path,
  length: 1536,
  pieceLength: 16384,
  pieceCount: 1,
  infoHash: 'ab'.repeat(20),
  magnet: 'magnet:?xt=urn:btih:' + 'ab'.repeat(20),
  seeders: 2,
  leechers: 1,
  completed: 0,
  publishedAt: '2026-01-01T00:00:00.000Z',
});

/** SIZE ends where every size ends; every row is as long as the others. */
const assertAligned = (lines: string[]) => {
  const [header, ...rows] = lines.map((l) => [...l]);
  const sizeEnd = header.join('').indexOf('SIZE') + 4;
  for (const row of rows) assert.equal(row.join('').indexOf('KiB') + 3, sizeEnd, lines.join('\n'));
  assert.equal(new Set(rows.map((r) => r.length)).size, 1, lines.join('\n'));
};

describe('sta list table', () => {
  describe('cutMiddle', () => {
    it('leaves a text that fits alone', () => {
      assert.equal(cutMiddle('a'.repeat(32), 32), 'a'.repeat(32));
      assert.equal(cutMiddle('', 32), '');
    });

    it('cuts a longer one to the width around "…", keeping more of the end (the file name)', () => {
      const path = 'builds/nightly/2026-01-01/linux-x64/app-release.tar.gz';
      const cut = cutMiddle(path, 32);
      assert.equal([...cut].length, 32);
      assert.equal(cut, 'builds/nig…64/app-release.tar.gz');
      assert.ok(path.startsWith(cut.split('…')[0]) && path.endsWith(cut.split('…')[1]));
    });

    it('counts characters, not UTF-16 units', () => {
      const cut = cutMiddle('😀'.repeat(40), 10);
      assert.equal([...cut].length, 10);
      assert.ok(!cut.includes('\uFFFD'));
    });
  });

  describe('catalogTable', () => {
    const long = 'builds/nightly/2026-01-01/linux-x64/app-release.tar.gz';

    it('a header and one row per file, the NAME column 32 wide, long names cut with "…"', () => {
      const lines = catalogTable([file('a.txt'), file(long)], false);
      assert.equal(lines[0], `${'NAME'.padEnd(NAME_WIDTH)} ${'SIZE'.padStart(10)}  SEED LEECH  INFO-HASH`);
      assert.equal(lines[1], `${'a.txt'.padEnd(32)} ${'1.5 KiB'.padStart(10)}     2     1  ${'ab'.repeat(20)}`);
      assert.ok(lines[2].startsWith(`${cutMiddle(long, 32)} `), lines[2]);
      assertAligned(lines);
    });

    it('--wide shows whole paths in a column as wide as the longest', () => {
      const lines = catalogTable([file('a.txt'), file(long)], true);
      assert.ok(lines[2].startsWith(`${long} `), lines[2]);
      assert.ok(!lines.join('\n').includes('…'));
      assertAligned(lines);
    });

    it('control and bidi characters in a name from the catalog never reach the terminal', () => {
      const [, row] = catalogTable([file('evil\x1b[2J\u202Ename.txt')], true);
      assert.ok(row.startsWith('evil[2Jname.txt '), JSON.stringify(row));
    });
  });
});
