// The catalog as the views read it (no `vscode`): the entries that make sense, indexed once per list as a
// folder tree by catalog path.
import type { CatalogFileJson } from '../../core/api';
import { PathTree } from './pathTree';

/** Entries a tracker may list wrongly (another version's, a hostile one's) are left out rather than break the views. */
function wellFormed(f: unknown): f is CatalogFileJson {
  const x = f as Partial<CatalogFileJson> | null;
  return typeof x === 'object' && x !== null && typeof x.name === 'string' && typeof x.infoHash === 'string' && Number.isFinite(x.length);
}

/** The well-formed entries of a catalog answer; one without a path is listed under its name. */
export function catalogEntries(files: readonly unknown[]): CatalogFileJson[] {
  return files.filter(wellFormed).map((f) => (typeof f.path === 'string' ? f : { ...f, path: f.name }));
}

/** The catalog's files as a folder tree by catalog path. */
export function catalogTree(files: readonly CatalogFileJson[]): PathTree<CatalogFileJson> {
  return new PathTree(files, (f) => f.path, (f) => f.length, (f) => f.name);
}
