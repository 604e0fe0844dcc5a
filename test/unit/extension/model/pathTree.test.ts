// Tracker Files and Shared as folder trees: what each folder row shows (count, size), what it holds, in what order.
import assert from 'node:assert/strict';
import type { CatalogFileJson } from '../../../../src/core/api';
import { catalogEntries, catalogTree } from '../../../../src/extension/model/catalogIndex';
import { PathTree, pathParts, type TreeNode } from '../../../../src/extension/model/pathTree';

const file = (path: string, length: number, n: number): CatalogFileJson => ({
  name: path.split('/').pop()!,
  path,
  length,
  pieceLength: 16384,
  pieceCount: Math.ceil(length / 16384),
  infoHash: n.toString(16).padStart(40, '0'),
  magnet: '',
  seeders: 1,
  leechers: 0,
  completed: 0,
  publishedAt: new Date(0).toISOString(),
});

const names = (nodes: readonly TreeNode<unknown>[]) => nodes.map((n) => (n.kind === 'folder' ? `${n.name}/` : n.name));

describe('PathTree', () => {
  it('groups by folder: folders first, then files, each in natural order; folder rows carry count and size', () => {
    const tree = catalogTree([
      file('readme.md', 10, 1),
      file('data/train/b.bin', 300, 2),
      file('data/train/a.bin', 200, 3),
      file('data/test.bin', 50, 4),
      file('data/val/x10.bin', 5, 5),
      file('data/val/x9.bin', 5, 6),
      file('Zeta.txt', 1, 7),
    ]);
    assert.deepEqual(names(tree.children()), ['data/', 'readme.md', 'Zeta.txt']);
    assert.deepEqual(names(tree.children('data')), ['train/', 'val/', 'test.bin']);
    assert.deepEqual(names(tree.children('data/val')), ['x9.bin', 'x10.bin'], 'numbers in names sort as numbers');
    assert.deepEqual(tree.folder('data'), { kind: 'folder', path: 'data', name: 'data', files: 5, bytes: 560 });
    assert.deepEqual(tree.folder('data/train'), { kind: 'folder', path: 'data/train', name: 'train', files: 2, bytes: 500 });
    assert.equal(tree.files, 7);
    assert.equal(tree.bytes, 571);
    assert.deepEqual(tree.entriesUnder('data/train').map((f) => f.path), ['data/train/a.bin', 'data/train/b.bin']);
    assert.deepEqual(tree.children('nowhere'), []);
    assert.deepEqual(tree.entriesUnder('nowhere'), []);
  });

  it('reads odd paths as a user would: doubled or backslash separators, `.` parts, and an empty path under the name', () => {
    const tree = new PathTree(['a//b/./c.txt', 'a\\b\\d.txt', '', '/e.txt'], (p) => p, () => 1, () => 'unnamed.bin');
    assert.deepEqual(names(tree.children()), ['a/', 'e.txt', 'unnamed.bin']);
    assert.deepEqual(names(tree.children('a/b')), ['c.txt', 'd.txt']);
    assert.deepEqual(pathParts('x/../y'), ['x', '..', 'y'], '`..` stays a part: the download refuses it, the tree only shows it');
  });

  it('catalog entries a tracker lists wrongly are left out; one without a path is listed under its name', () => {
    const ok = file('a/b.bin', 3, 1);
    const { path: _, ...noPath } = file('c.bin', 4, 2);
    const entries = catalogEntries([ok, noPath, null, 'x', { name: 'n', infoHash: 'h' }, { ...ok, length: 'big' }]);
    assert.deepEqual(entries.map((f) => f.path), ['a/b.bin', 'c.bin']);
  });

  it('builds the tree of 10,000 catalog entries and walks every folder, counts and sizes adding up', () => {
    // 10 top folders × 10 subfolders × 100 files, as a dataset repository lays them out
    const files: CatalogFileJson[] = [];
    for (let i = 0; i < 10_000; i++) {
      const top = `set-${Math.floor(i / 1000)}`;
      const sub = `part-${Math.floor(i / 100) % 10}`;
      files.push(file(`${top}/${sub}/sample-${i % 100}.bin`, 1000 + i, i + 1));
    }
    const tree = catalogTree(files);
    const top = tree.children();
    assert.equal(top.length, 10);
    assert.ok(top.every((n) => n.kind === 'folder' && n.files === 1000));
    let seen = 0;
    let bytes = 0;
    const walk = (path: string, depth: number) => {
      for (const n of tree.children(path)) {
        if (n.kind === 'folder') {
          assert.equal(n.files, tree.entriesUnder(n.path).length, `count of ${n.path}`);
          walk(n.path, depth + 1);
        } else {
          assert.equal(depth, 2, `${n.path} sits two folders deep`);
          assert.equal(n.path, n.entry.path);
          seen++;
          bytes += n.entry.length;
        }
      }
    };
    walk('', 0);
    assert.equal(seen, 10_000);
    assert.equal(bytes, tree.bytes);
    assert.equal(tree.bytes, files.reduce((s, f) => s + f.length, 0));
    assert.deepEqual(names(tree.children('set-3/part-7')).slice(0, 3), ['sample-0.bin', 'sample-1.bin', 'sample-2.bin']);
  });
});
