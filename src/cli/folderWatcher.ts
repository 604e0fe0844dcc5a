// `sta share` watches what it shares with chokidar: pure JavaScript on Node's fs.watch, bundled into
// dist/cli.js with no native addon to build or ship per platform (@parcel/watcher's reason to avoid
// here); the extension uses VS Code's own watcher. Settling and publishing are SharedFolder's.
import { watch } from 'chokidar';
import { relative, sep } from 'node:path';
import { Repository, type SharedFolder } from '../core/api';

export interface FolderWatcher {
  /** resolves once the initial walk is done: changes from then on are reported */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Reports files created, changed, renamed or deleted under `target` (a folder, or one file) to `folder`. */
export function watchFolder(folder: SharedFolder, target: string, root: string, excludes: string[], warn: (m: string) => void): FolderWatcher {
  const repo = new Repository({ root, excludes });
  const relOf = (p: string) => relative(root, p).split(sep).join('/');
  const w = watch(target, {
    ignoreInitial: true,
    followSymlinks: false,
    // excluded folders (.git, node_modules) are never walked or watched
    ignored: (p: string) => {
      const rel = relOf(p);
      return rel !== '' && !rel.startsWith('..') && repo.isExcluded(rel);
    },
  });
  const changed = (p: string) => folder.changed(relOf(p));
  const removed = (p: string) => folder.removed(relOf(p));
  w.on('add', changed).on('change', changed).on('unlink', removed).on('unlinkDir', removed);
  w.on('error', (e) => warn(`watching ${target}: ${(e as Error).message}`));
  const ready = new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return { ready, close: () => w.close() };
}
