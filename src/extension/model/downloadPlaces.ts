// Where a catalog file lands on disk (no `vscode`): the workspace folder its catalog path names (or the
// first), that folder's `sta.downloadFolder`, and the catalog path under it. Nothing lands outside a folder.
import * as path from 'node:path';
import { englishL10n, type L10n } from '../plainL10n';
import { catalogPathOf, catalogPrefixes, placementOf, refusedLanding } from './catalogPaths';
import { pathParts } from './pathTree';

/** A workspace folder downloads may go to. */
export interface DownloadFolder {
  /** its path on disk */
  root: string;
  /** VS Code's name for it (the first part of its catalog paths in a multi-root workspace) */
  name: string;
  /** its `sta.downloadFolder` setting, relative to `root` */
  downloadFolder: string;
}

/** The `file:` folders of the window, in order, and whether catalog paths carry their names. */
export interface DownloadFolders {
  folders: DownloadFolder[];
  multiRoot: boolean;
}

/** Where one download goes. */
export interface Landing {
  root: string;
  /** the `sta.downloadFolder` it goes under, relative to `root` */
  folder: string;
  /** the path under that folder (the catalog path, or its rest after a folder's name) */
  relPath: string;
  /** the file as a catalog path of this workspace: what it would be published as once here */
  shownAs: string;
  /** the file on disk */
  file: string;
}

/** The `sta.downloadFolder` setting resolved against `root`; it may not point outside it. */
export function downloadDirIn(root: string, downloadFolder: string, l10n: L10n = englishL10n): string {
  const dir = path.resolve(root, downloadFolder);
  if (dir !== root && !dir.startsWith(root + path.sep)) throw new Error(l10n.t('sta.downloadFolder must be inside the workspace ({0} is not)', dir));
  return dir;
}

/** `file` relative to `root` with `/` separators, as the catalog lists it; undefined when outside. */
export function relativePathIn(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** Where `catalogPath` lands in `where`; throws, saying why (worded by `l10n`), when it cannot land anywhere. */
export function landingOf(catalogPath: string, where: DownloadFolders, l10n: L10n = englishL10n): Landing {
  const { folders, multiRoot } = where;
  if (folders.length === 0) throw new Error(l10n.t('this window has no folder on disk to download into'));
  const placement = placementOf(catalogPath, folders, multiRoot);
  if (!placement) {
    const parts = pathParts(catalogPath);
    const why = parts.length === 0 || parts.includes('..') ? l10n.t('it is not a path inside a folder') : refusedLanding(catalogPath);
    throw new Error(l10n.t('{0} cannot be saved in this workspace: {1}', catalogPath, why ?? l10n.t('its path is refused')));
  }
  const f = folders[placement.folder];
  const dir = downloadDirIn(f.root, f.downloadFolder, l10n);
  const file = path.join(dir, ...placement.relPath.split('/'));
  const rel = relativePathIn(f.root, file);
  if (rel === undefined) throw new Error(l10n.t('{0} would land outside {1}', catalogPath, f.root));
  const folder = relativePathIn(f.root, dir) ?? '';
  return { root: f.root, folder, relPath: placement.relPath, shownAs: catalogPathOf(rel, catalogPrefixes(folders)[placement.folder], multiRoot), file };
}
