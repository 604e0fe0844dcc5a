// Catalog paths and the workspace's folders, both ways (no `vscode`): what a shared file is published as,
// and where a catalog file lands. One folder: paths relative to it. Several (multi-root): the folder's name
// first, as VS Code's asRelativePath(uri, true) writes them (a later folder of a name already taken gets
// `name (2)`: two folders never publish the same paths); a path whose first part names one of this window's
// folders lands in that folder, any other in the first folder.
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

/**
 * The first part of each folder's catalog paths, in workspace order: its name (see `catalogPrefix`), and for a
 * later folder whose name an earlier one has, `name (2)`, `name (3)`… (a number no folder's own name uses), so that
 * two folders named `app` never publish the same paths nor take each other's downloads.
 */
export function catalogPrefixes(folders: readonly NamedFolder[]): string[] {
  const own = folders.map(catalogPrefix);
  const names = new Set(own);
  const taken = new Set<string>();
  return own.map((p) => {
    let unique = p;
    for (let n = 2; taken.has(unique); n++) {
      const numbered = `${p} (${n})`;
      if (!names.has(numbered)) unique = numbered; // another folder's own name: the next number
    }
    taken.add(unique);
    return unique;
  });
}

/** The catalog path of `rel` (relative to its folder, `/`-separated): `prefix/rel` in a multi-root workspace. */
export function catalogPathOf(rel: string, prefix: string, multiRoot: boolean): string {
  return multiRoot ? `${prefix}/${rel}` : rel;
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
    const i = catalogPrefixes(folders).indexOf(parts[0]);
    if (i >= 0) placement = { folder: i, relPath: parts.slice(1).join('/') };
  }
  return refusedLanding(placement.relPath) ? undefined : placement;
}

/** Why a download may not land at `relPath` (inside .git, .vscode, node_modules, .sta, or a secret's name); undefined: it may. */
export function refusedLanding(relPath: string): string | undefined {
  return coreRefusedLanding(pathParts(relPath).join('/'));
}
