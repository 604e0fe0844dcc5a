// The tracker's catalog store: published torrents, display paths, and entries as JSON.
import assert from 'node:assert/strict';
import { magnetUri } from '../../../../src/core/metainfo';
import { Catalog, entryJson } from '../../../../src/core/tracker/catalog';
import { torrentOf } from './fixtures';

const at = (c: Catalog) => [...c.values()].map((e) => `${e.path}=${e.meta.infoHashHex.slice(0, 6)}`).sort();

describe('tracker catalog', () => {
  it('publish creates once, re-publishing moves the path (and the version), remove forgets', () => {
    const c = new Catalog();
    const m = torrentOf('a.bin');
    const first = c.publish(m, 'one/a.bin', '10.0.0.1', 1000);
    assert.equal(first.created, true);
    const v = c.version;
    assert.equal(c.publish(m, 'one/a.bin', '10.0.0.1', 1500).created, false);
    assert.equal(c.version, v, 'nothing changed');
    const again = c.publish(m, 'two/a.bin', '10.0.0.1', 2000);
    assert.ok(c.version > v);
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
    const c = new Catalog({ maxEntries: 2, maxBytes: Infinity, maxEntriesPerAddress: Infinity });
    const [a, b, d] = [torrentOf('a', 1), torrentOf('b', 2), torrentOf('d', 3)];
    c.publish(a, 'a', 'x');
    c.publish(b, 'b', 'y');
    assert.deepEqual(c.publish(d, 'd', 'z'), { created: false, full: 'the catalog is full (2 files)' });
    assert.equal(c.publish(a, 'a2', 'x').entry?.path, 'a2');
    assert.deepEqual([...c.values()].map((e) => e.path), ['a2', 'b']);
  });

  it('caps per address and in bytes; removing an entry gives both back', () => {
    const [a, b, d] = [torrentOf('a', 1), torrentOf('b', 2), torrentOf('d', 3)];
    const c = new Catalog({ maxEntries: 10, maxBytes: a.torrent.length * 2 + 10, maxEntriesPerAddress: 1 });
    assert.equal(c.publish(a, 'a', 'x').created, true);
    assert.match(c.publish(b, 'b', 'x').full!, /your address has published 1 files/);
    assert.equal(c.publish(b, 'b', 'y').created, true);
    assert.match(c.publish(d, 'd', 'z').full!, /bytes/);
    c.remove(a.infoHashHex);
    assert.equal(c.publish(d, 'd', 'x').created, true);
  });

  it('entryJson: what the catalog routes send, zeros for a torrent nobody announced', () => {
    const m = torrentOf('film.mkv', 7);
    const entry = new Catalog().publish(m, 'videos/film.mkv', '10.0.0.1', Date.UTC(2024, 0, 2, 3, 4, 5)).entry!;
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

  it('one entry per path: a new version at a path takes the old one\'s place (even in a full catalog), moving onto a path too', () => {
    const c = new Catalog({ maxEntries: 2, maxBytes: Infinity, maxEntriesPerAddress: 2 });
    const [v1, v2, v3, other] = [torrentOf('r.bin', 1), torrentOf('r.bin', 2), torrentOf('r.bin', 3), torrentOf('o.bin', 4)];
    assert.equal(c.publish(v1, 'docs/r.bin', '10.0.0.1').created, true);
    assert.equal(c.publish(other, 'o.bin', '10.0.0.1').created, true);
    assert.equal(c.atPath('docs/r.bin')?.meta.infoHashHex, v1.infoHashHex);
    const r = c.publish(v2, 'docs/r.bin', '10.0.0.1');
    assert.equal(r.created, true);
    assert.equal(r.replaced?.meta.infoHashHex, v1.infoHashHex);
    assert.equal(c.has(v1.infoHashHex), false, 'the old info-hash is retired');
    assert.deepEqual(at(c), [`docs/r.bin=${v2.infoHashHex.slice(0, 6)}`, `o.bin=${other.infoHashHex.slice(0, 6)}`]);
    // v3 published elsewhere, then moved onto the path: still one entry there
    c.remove(other.infoHashHex);
    c.publish(v3, 'old/r.bin', '10.0.0.1');
    c.publish(v3, 'docs/r.bin', '10.0.0.1');
    assert.deepEqual(at(c), [`docs/r.bin=${v3.infoHashHex.slice(0, 6)}`]);
    assert.equal(c.atPath('old/r.bin'), undefined);
    assert.equal(c.remove(v3.infoHashHex), true);
    assert.equal(c.atPath('docs/r.bin'), undefined);
    assert.equal(c.size, 0);
  });
});
