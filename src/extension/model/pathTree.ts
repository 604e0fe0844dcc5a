// Paths as a folder tree (Tracker Files, Shared): one index built per list, each folder's children read
// when the view asks for them (sorted once, then kept), counts and sizes summed while building. No `vscode`.

export interface FolderNode {
  kind: 'folder';
  /** `a/b`, the parts joined by `/` */
  path: string;
  name: string;
  /** files anywhere under it */
  files: number;
  bytes: number;
}

export interface FileNode<T> {
  kind: 'file';
  path: string;
  name: string;
  entry: T;
}

export type TreeNode<T> = FolderNode | FileNode<T>;

interface Dir<T> {
  node: FolderNode;
  dirs: Map<string, Dir<T>>;
  files: FileNode<T>[];
  /** folders first, then files, each by name; made on the first read */
  sorted?: TreeNode<T>[];
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const byName = (a: { name: string }, b: { name: string }) => collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `a//b/./c` → [a, b, c]; `\` is read as `/` (a Windows publisher's path). */
export function pathParts(path: string): string[] {
  return path.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
}

export class PathTree<T> {
  private readonly root: Dir<T>;
  private readonly dirs = new Map<string, Dir<T>>();

  /** `pathOf` gives each entry's `/`-separated path; an entry whose path has no parts is listed at the top as `fallbackName`. */
  constructor(entries: Iterable<T>, pathOf: (e: T) => string, sizeOf: (e: T) => number, fallbackName: (e: T) => string = () => '(unnamed)') {
    this.root = this.dir('', '');
    for (const e of entries) {
      let parts = pathParts(pathOf(e));
      if (parts.length === 0) parts = [fallbackName(e)];
      const size = sizeOf(e);
      let d = this.root;
      d.node.files++;
      d.node.bytes += size;
      for (let i = 0; i < parts.length - 1; i++) {
        let next = d.dirs.get(parts[i]);
        if (!next) {
          next = this.dir(d.node.path ? `${d.node.path}/${parts[i]}` : parts[i], parts[i]);
          d.dirs.set(parts[i], next);
        }
        d = next;
        d.node.files++;
        d.node.bytes += size;
      }
      d.files.push({ kind: 'file', path: parts.join('/'), name: parts[parts.length - 1], entry: e });
    }
  }

  private dir(path: string, name: string): Dir<T> {
    const d: Dir<T> = { node: { kind: 'folder', path, name, files: 0, bytes: 0 }, dirs: new Map(), files: [] };
    this.dirs.set(path, d);
    return d;
  }

  /** Files in the whole tree. */
  get files(): number {
    return this.root.node.files;
  }

  get bytes(): number {
    return this.root.node.bytes;
  }

  /** The folders and files directly in `folder` ('' is the top), folders first; empty when there is no such folder. */
  children(folder = ''): readonly TreeNode<T>[] {
    const d = this.dirs.get(folder);
    if (!d) return [];
    d.sorted ??= [...[...d.dirs.values()].map((x) => x.node).sort(byName), ...[...d.files].sort(byName)];
    return d.sorted;
  }

  folder(path: string): FolderNode | undefined {
    return path === '' ? undefined : this.dirs.get(path)?.node;
  }

  /** Every entry under `folder`, in tree order. */
  entriesUnder(folder = ''): T[] {
    const out: T[] = [];
    const walk = (path: string) => {
      for (const n of this.children(path)) {
        if (n.kind === 'folder') walk(n.path);
        else out.push(n.entry);
      }
    };
    if (this.dirs.has(folder)) walk(folder);
    return out;
  }
}
