// Where a catalog file lands: the folder it names (or the first), that folder's download folder, the path kept.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { type DownloadFolders, landingOf } from '../../../../src/extension/model/downloadPlaces';

describe('where a download lands', () => {
  const root = path.resolve('/w/app');
  const second = path.resolve('/w/data');
  const where: DownloadFolders = {
    folders: [
      { root, name: 'app', downloadFolder: 'incoming' },
      { root: second, name: 'data', downloadFolder: '' },
    ],
    multiRoot: true,
  };

  it('under the folder\'s download folder, the catalog path kept; shown as this workspace would publish it', () => {
    assert.deepEqual(landingOf('data/train/x.bin', where), {
      root: second,
      folder: '',
      relPath: 'train/x.bin',
      shownAs: 'data/train/x.bin',
      file: path.join(second, 'train', 'x.bin'),
    });
    assert.deepEqual(landingOf('docs/a.md', where), {
      root,
      folder: 'incoming',
      relPath: 'docs/a.md',
      shownAs: 'app/incoming/docs/a.md',
      file: path.join(root, 'incoming', 'docs', 'a.md'),
    });
  });

  it('says why a path cannot land, and a download folder outside the workspace is refused', () => {
    assert.throws(() => landingOf('../../etc/passwd', where), /cannot be saved in this workspace: it is not a path inside a folder/);
    assert.throws(() => landingOf('.git/config', where), /cannot be saved in this workspace: it would write inside \.git/);
    const outside: DownloadFolders = { folders: [{ root, name: 'app', downloadFolder: '../elsewhere' }], multiRoot: false };
    assert.throws(() => landingOf('a.bin', outside), /must be inside the workspace/);
    assert.throws(() => landingOf('a.bin', { folders: [], multiRoot: false }), /no folder on disk/);
  });

  it('words its refusals through the l10n it is given (vscode.l10n in the extension)', () => {
    const l10n = { t: (m: string, ...args: (string | number)[]) => `«${m.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]))}»` };
    assert.throws(() => landingOf('a.bin', { folders: [], multiRoot: false }, l10n), /^Error: «this window has no folder on disk to download into»$/);
    assert.throws(() => landingOf('../x', where, l10n), /^Error: «\.\.\/x cannot be saved in this workspace: «it is not a path inside a folder»»$/);
    const outside: DownloadFolders = { folders: [{ root, name: 'app', downloadFolder: '../elsewhere' }], multiRoot: false };
    assert.throws(() => landingOf('a.bin', outside, l10n), /^Error: «sta\.downloadFolder must be inside the workspace \(.*elsewhere is not\)»$/);
  });
});
