// Catalog paths and workspace folders: what a file is published as, and which folder a catalog path lands in.
import assert from 'node:assert/strict';
import { catalogPathOf, catalogPrefix, catalogPrefixes, placementOf, refusedLanding } from '../../../../src/extension/model/catalogPaths';

const app = { name: 'app' };
const data = { name: 'data' };

describe('catalog paths of a workspace', () => {
  it('one folder: paths relative to it; several: the folder\'s name first, as asRelativePath(uri, true)', () => {
    assert.equal(catalogPathOf('src/a.ts', 'app', false), 'src/a.ts');
    assert.equal(catalogPathOf('src/a.ts', 'app', true), 'app/src/a.ts');
    assert.equal(catalogPrefix({ name: 'team/shared' }), 'team_shared', 'a name is one part of a path');
    assert.equal(catalogPrefix({ name: '..' }), '_');
  });

  it('a path naming one of the window\'s folders lands in it; any other in the first folder', () => {
    assert.deepEqual(placementOf('data/train/x.bin', [app, data], true), { folder: 1, relPath: 'train/x.bin' });
    assert.deepEqual(placementOf('other/x.bin', [app, data], true), { folder: 0, relPath: 'other/x.bin' });
    assert.deepEqual(placementOf('data', [app, data], true), { folder: 0, relPath: 'data' }, 'a file named like a folder');
    // one folder: a part named like the folder is just a folder inside it (Python's pkg/pkg/__init__.py)
    assert.deepEqual(placementOf('app/x.py', [app], false), { folder: 0, relPath: 'app/x.py' });
  });

  it('two folders of one name publish different paths: the later one gets a number no folder uses', () => {
    assert.deepEqual(catalogPrefixes([app, data]), ['app', 'data']);
    assert.deepEqual(catalogPrefixes([app, data, app, app]), ['app', 'data', 'app (2)', 'app (3)']);
    // a folder's own name is never taken from it, whatever the order
    assert.deepEqual(catalogPrefixes([app, app, { name: 'app (2)' }]), ['app', 'app (3)', 'app (2)']);
    assert.deepEqual(catalogPrefixes([{ name: 'a/b' }, { name: 'a_b' }]), ['a_b', 'a_b (2)'], 'names alike once made one path part');
    // downloads follow: each of the two lands in its own folder
    assert.deepEqual(placementOf('app (2)/x.bin', [app, data, app], true), { folder: 2, relPath: 'x.bin' });
    assert.deepEqual(placementOf('app/x.bin', [app, data, app], true), { folder: 0, relPath: 'x.bin' });
  });

  it('never lands outside a folder, nor inside .git, .vscode, node_modules or .sta, nor as a secret', () => {
    const refused = ['../x', 'a/../../x', '', '/', 'a/.git/hooks/pre-commit', '.vscode/tasks.json', 'node_modules/x/index.js', '.sta/x', '.env', 'keys/id_rsa'];
    for (const p of refused) {
      assert.equal(placementOf(p, [app], false), undefined, p);
    }
    assert.equal(placementOf('x', [], false), undefined, 'no folder');
    assert.match(refusedLanding('A/.GIT/config')!, /\.GIT/);
    assert.equal(refusedLanding('docs/git-notes.md'), undefined);
  });
});
