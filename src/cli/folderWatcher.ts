// `sta share` watches what it shares: one fs.watch per folder (inotify, FSEvents or
// ReadDirectoryChangesW underneath), the changed name looked at and handed to SharedFolder, which
// settles and publishes. Not chokidar: it also puts a watcher on every file and stats each one
// first — 10,000 inotify watches (past the 8,192 many Linux systems allow) and over a second of
// CPU before a folder of 10,000 files is watched; a watcher per folder needs neither. Excluded
// folders (.git, node_modules) are never walked or watched. The extension uses VS Code's watcher.
import { type FSWatcher, promises as fsp, watch } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Repository, type SharedFolder } from '../core/api';

export interface FolderWatcher {
  /** resolves once every folder is watched: changes from then on are reported */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Reports files created, changed, renamed or deleted under `target` (a folder, or one file in `root`) to `folder`. */
export function watchFolder(folder: SharedFolder, target: string, root: string, excludes: string[], warn: (m: string) => void): FolderWatcher {
  const repo = new Repository({ root, excludes });
  const relOf = (p: string) => relative(root, p).split(sep).join('/');
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let warned = false;
  /** set when `target` is one file: only its name in its folder counts */
  let only: string | undefined;

  const unwatch = (dir: string) => {
    for (const [d, w] of watchers) {
      if (d !== dir && !d.startsWith(dir + sep)) continue;
      w.close();
      watchers.delete(d);
    }
  };

  /** Watches `dir` and the folders under it; `report`: their files are new (a folder created or moved in). */
  const watchDir = async (dir: string, report: boolean): Promise<void> => {
    if (closed || watchers.has(dir)) return;
    let w: FSWatcher;
    try {
      // watched before it is read: a file made between the two is reported, not missed
      w = watch(dir, { persistent: true }, (_event, name) => void onEvent(dir, name === null ? null : String(name)));
    } catch (e) {
      return watchFailed(dir, e as NodeJS.ErrnoException);
    }
    // its folder went away (its parent reports that), or the system refused: stop watching it
    w.on('error', () => unwatch(dir));
    watchers.set(dir, w);
    await readFolder(dir, report);
  };

  const readFolder = async (dir: string, report: boolean): Promise<void> => {
    const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (closed || (only !== undefined && abs !== only) || repo.isExcluded(relOf(abs))) continue;
      if (e.isDirectory()) await watchDir(abs, report);
      else if (report && e.isFile()) folder.changed(relOf(abs));
    }
  };

  const onEvent = async (dir: string, name: string | null): Promise<void> => {
    if (closed) return;
    // no name (some platforms, or a burst the system summed up): look at the whole folder again
    if (name === null) return readFolder(dir, true);
    const abs = join(dir, name);
    const rel = relOf(abs);
    if ((only !== undefined && abs !== only) || repo.isExcluded(rel)) return;
    const st = await fsp.lstat(abs).catch(() => undefined);
    if (closed) return;
    if (!st) {
      unwatch(abs);
      folder.removed(rel);
    } else if (st.isDirectory()) {
      if (!watchers.has(abs)) await watchDir(abs, true);
    } else {
      // a file, or a symlink or device where a file was (SharedFolder shares regular files only)
      folder.changed(rel);
    }
  };

  const watchFailed = (dir: string, e: NodeJS.ErrnoException) => {
    if (warned) return;
    warned = true;
    const limit = e.code === 'ENOSPC' ? ' (the system\'s limit of watched folders: raise fs.inotify.max_user_watches)' : '';
    warn(`cannot watch ${dir}: ${e.message}${limit}; changes there are found when a peer reads the file`);
  };

  const ready = (async () => {
    const st = await fsp.lstat(target).catch(() => undefined);
    if (st?.isDirectory()) return watchDir(target, false);
    only = target;
    await watchDir(root, false);
  })();
  return {
    ready,
    close: async () => {
      closed = true;
      await ready.catch(() => undefined);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
