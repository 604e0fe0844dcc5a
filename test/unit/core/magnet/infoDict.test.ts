// The info dict's raw bytes: found inside a .torrent exactly as they hash, and a .torrent built
// around bytes from peers that keeps them byte for byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encode } from '../../../../src/core/bencode';
import { infoDictOf, torrentFromInfoDict } from '../../../../src/core/magnet/infoDict';
import { MetainfoError, parseTorrent } from '../../../../src/core/metainfo';
import { syntheticTorrent } from './torrents';

describe('infoDict', () => {
  it('infoDictOf: the exact bytes that hash to the info-hash, even when another client ordered its keys oddly', () => {
    const { meta, dict } = syntheticTorrent(50);
    assert.ok(createHash('sha1').update(dict).digest().equals(meta.infoHash));
    assert.equal(infoDictOf(meta), dict, 'found once, then kept');
    // unsorted keys inside info (an old client's torrent): re-encoding would change the hash, the raw bytes do not
    const odd = Buffer.from('d4:infod6:lengthi5e4:name1:x6:pieces20:aaaaaaaaaaaaaaaaaaaa12:piece lengthi16384eee');
    const m = parseTorrent(odd);
    assert.ok(createHash('sha1').update(infoDictOf(m)!).digest().equals(m.infoHash));
    assert.notDeepEqual(encode(parseTorrentInfo(odd)), infoDictOf(m));
    assert.equal(infoDictOf({}), undefined);
  });

  it('torrentFromInfoDict: the same info-hash, the link\'s trackers as tiers, and the parser\'s refusals', () => {
    const { meta, dict } = syntheticTorrent(50, { private: 1 });
    const t = torrentFromInfoDict(dict, ['http://a/announce', 'http://b/announce']);
    assert.equal(t.infoHashHex, meta.infoHashHex);
    assert.equal(t.private, true);
    assert.deepEqual(t.announceList, [['http://a/announce'], ['http://b/announce']]);
    assert.equal(t.announce, 'http://a/announce');
    assert.equal(torrentFromInfoDict(dict, []).infoHashHex, meta.infoHashHex);
    const v2only = encode({ 'meta version': 2, name: Buffer.from('d'), 'piece length': 16384, 'file tree': {} });
    assert.throws(() => torrentFromInfoDict(v2only, []), (e: Error) => e instanceof MetainfoError && /v2-only torrents are not supported/.test(e.message));
    assert.throws(() => torrentFromInfoDict(Buffer.from('i5e'), []), /info is not a dictionary/);
  });
});

function parseTorrentInfo(torrent: Buffer): unknown {
  return require('bencode').decode(torrent).info;
}
