// The tracker's catalog store: published torrents, display paths, and entries as JSON.
import assert from 'node:assert/strict';
import { magnetUri } from '../../../../src/core/metainfo';
import { Catalog, cleanCatalogPath, entryJson } from '../../../../src/core/tracker/catalog';
import { torrentOf } from './fixtures';

describe('tracker catalog', () => {
  it('cleanCatalogPath keeps relative forward-slash paths and falls back on anything else', () => {
    assert.equal(cleanCatalogPath('docs/a b/ü.txt', 'f'), 'docs/a b/ü.txt');
    assert.equal(cleanCatalogPath('docs\\win\\x.bin', 'f'), 'docs/win/x.bin');
    const bad = [undefined, '', '/etc/passwd', 'C:/x', 'c:x', 'a//b', 'a/./b', '../x', 'a/..', 'a/', 'nul\0x', 'x'.repeat(1025)];
    for (const raw of bad) assert.equal(cleanCatalogPath(raw, 'fallback'), 'fallback', JSON.stringify(raw));
    assert.equal(cleanCatalogPath('x'.repeat(1024), 'f').length, 1024);
  });

  it('publish creates once, re-publishing moves the path, remove forgets', () => {
    const c = new Catalog();
    const m = torrentOf('a.bin');
    const first = c.publish(m, 'one/a.bin', 1000);
    assert.equal(first.created, true);
    const again = c.publish(m, 'two/a.bin', 2000);
    assert.equal(again.created, false);
    assert.equal(again.entry, first.entry);
    assert.deepEqual({ path: again.entry!.path, publishedAt: again.entry!.publishedAt }, { path: 'two/a.bin', publishedAt: 1000 });
    assert.equal(c.size, 1);
    assert.ok(c.has(m.infoHashHex));
    assert.equal(c.remove(m.infoHashHex), true);
    assert.equal(c.remove(m.infoHashHex), false);
    assert.equal(c.get(m.infoHashHex), undefined);
  });

  it('a full catalog refuses new torrents but still updates known ones', () => {
    const c = new Catalog(2);
    const [a, b, d] = [torrentOf('a', 1), torrentOf('b', 2), torrentOf('d', 3)];
    c.publish(a, 'a');
    c.publish(b, 'b');
    assert.deepEqual(c.publish(d, 'd'), { created: false });
    assert.equal(c.publish(a, 'a2').entry?.path, 'a2');
    assert.deepEqual([...c.values()].map((e) => e.path), ['a2', 'b']);
  });

  it('entryJson: what the catalog routes send, zeros for a torrent nobody announced', () => {
    const m = torrentOf('film.mkv', 7);
    const entry = new Catalog().publish(m, 'videos/film.mkv', Date.UTC(2024, 0, 2, 3, 4, 5)).entry!;
    const base = {
      name: 'film.mkv',
      path: 'videos/film.mkv',
      length: 1007,
      pieceLength: 16384,
      pieceCount: 1,
      infoHash: m.infoHashHex,
      magnet: magnetUri(m),
      publishedAt: '2024-01-02T03:04:05.000Z',
    };
    assert.deepEqual(entryJson(entry, undefined), { ...base, seeders: 0, leechers: 0, completed: 0 });
    assert.deepEqual(entryJson(entry, { seeders: 2, leechers: 3, completed: 4 }), { ...base, seeders: 2, leechers: 3, completed: 4 });
  });
});
