// The files picked in VS Code as core's `select`: each picked path selects exactly that file of the torrent,
// whatever glob syntax its name holds, through core's own matching (selectFiles).
import * as assert from 'assert';
import { createHash } from 'crypto';
import { parseTorrent } from '../../../../src/core/api';
import { encode } from '../../../../src/core/bencode';
import { selectFiles } from '../../../../src/core/storage/selection';
import { exactGlob, globsOfPaths } from '../../../../src/extension/model/fileSelection';

const NAMES = ['a.bin', 'docs/b.txt', 'a[1].txt', 'a1.txt', '!neg.txt', 'x*y.md', 'xzy.md', 'x+y(1).md', '{a,b}.txt', 'a.txt', 'b.txt', '.hidden/.x',
  'sp ace/é.txt', 'q?.md', 'qa.md', 'a@(b).c', 'ab.c', 'pct%20.txt', '~tilde', '#hash', 'dash-x.y', 'a$b^c.txt', 'docs/**'];

function torrentOf(paths: string[]) {
  const pieceLength = 16384;
  const files = paths.map((p) => ({ length: 10, path: p.split('/').map((s) => Buffer.from(s)) }));
  const pieces = createHash('sha1').update(Buffer.alloc(pieceLength)).digest(); // never checked here
  const n = Math.ceil((paths.length * 10) / pieceLength);
  const info = { files, name: Buffer.from('set'), 'piece length': pieceLength, pieces: Buffer.concat(Array(n).fill(pieces)) };
  return parseTorrent(encode({ announce: Buffer.from('http://127.0.0.1:1/announce'), info }));
}

describe('picked files as select globs', () => {
  it('each name selects that file and no other, glob characters and all', () => {
    const meta = torrentOf(NAMES);
    for (const name of NAMES) {
      const sel = selectFiles(meta, [exactGlob(name)]);
      assert.ok(sel, name);
      assert.deepStrictEqual([...sel.files].map((i) => meta.files[i].path), [name], `${name} as ${exactGlob(name)}`);
    }
  });

  it('several picked paths select exactly those', () => {
    const meta = torrentOf(NAMES);
    const picked = ['x*y.md', 'docs/b.txt', '{a,b}.txt'];
    const sel = selectFiles(meta, globsOfPaths(picked))!;
    assert.deepStrictEqual([...sel.files].map((i) => meta.files[i].path).sort(), [...picked].sort());
  });
});
