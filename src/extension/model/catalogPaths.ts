// Catalog paths and the workspace's folders, both ways (no `vscode`): what a shared file is published as,
// and where a catalog file lands. One folder: paths relative to it. Several (multi-root): the folder's name
// first, as VS Code's asRelativePath(uri, true) writes them; a path whose first part names one of this
// window's folders lands in that folder, any other in the first folder.
import { refusedLanding as coreRefusedLanding } from '../../core/api';
import { pathParts } from './pathTree';

/** A workspace folder as the mapping needs it: its name (VS Code's WorkspaceFolder.name). */
export interface NamedFolder {
  name: string;
}

/** Where a catalog file goes: the index of the workspace folder, and the path under its download folder. */
export interface Placement {
  folder: number;
  relPath: string;
}

/** A folder's name as the first part of its catalog paths: one safe path part. */
export function catalogPrefix(folder: NamedFolder): string {
  const p = folder.name.replace(/[\\/]/g, '_').trim();
  return p === '' || p === '.' || p === '..' ? '_' : p;
}

/** The catalog path of `rel` (relative to `folder`, `/`-separated) in a workspace of one folder or several. */
export function catalogPathOf(rel: string, folder: NamedFolder, multiRoot: boolean): string {
  return multiRoot ? `${catalogPrefix(folder)}/${rel}` : rel;
}

/**
 * Where `catalogPath` lands among `folders` (in workspace order): in a multi-root window, the folder its first
 * part names (the rest is the path inside it); otherwise the first folder, the whole path. Undefined when the
 * path cannot be saved (`..`, nothing left) or would write where STA never writes (see `refusedLanding`).
 */
export function placementOf(catalogPath: string, folders: readonly NamedFolder[], multiRoot: boolean): Placement | undefined {
  const parts = pathParts(catalogPath);
  if (folders.length === 0 || parts.length === 0 || parts.includes('..')) return undefined;
  let placement: Placement = { folder: 0, relPath: parts.join('/') };
  if (multiRoot && parts.length > 1) {
    const i = folders.findIndex((f) => catalogPrefix(f) === parts[0]);
    if (i >= 0) placement = { folder: i, relPath: parts.slice(1).join('/') };
  }
  return refusedLanding(placement.relPath) ? undefined : placement;
}

/** Why a download may not land at `relPath` (inside .git, .vscode, node_modules, .sta, or a secret's name); undefined: it may. */
export function refusedLanding(relPath: string): string | undefined {
  return coreRefusedLanding(pathParts(relPath).join('/'));
}
