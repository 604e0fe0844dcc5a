// Which files of a folder (the workspace, or the one `sta share` names) this peer shares, and their metainfo,
// cached by path + size + mtime (metainfoCache.ts) so a restart does not hash everything again.
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { createTorrentOf, Metainfo, parseTorrent } from './metainfo';
import { MetainfoCache } from './metainfoCache';
import type { Hasher } from './storage/hasher';
import { teamKeyOf } from './trackerClient/urls';

/** Tooling and STA's own partial downloads: skipped unless a file is shared by name. */
export const DEFAULT_EXCLUDES = ['**/.git/**', '**/node_modules/**', '**/.vscode/**', '**/.sta/**'];

/** Credentials, keys and state files: never shared, whatever settings or flags say (matched without case). */
export const SECRET_EXCLUDES = [
  '**/.env*',
  '**/*.pem',
  '**/*.key',
  '**/id_*',
  '**/*.ppk',
  '**/.ssh/**',
  '**/.gnupg/**',
  '**/.aws/**',
  '**/.kube/**',
  '**/.docker/config.json',
  '**/.npmrc',
  '**/.yarnrc.yml',
  '**/.pypirc',
  '**/.git-credentials',
  '**/.netrc',
  '**/_netrc',
  '**/.pgpass',
  '**/.htpasswd',
  '**/.vault-token',
  '**/*.pfx',
  '**/*.p12',
  '**/*.jks',
  '**/*.keystore',
  '**/*.kdbx',
  '**/*.tfstate',
  '**/*.tfstate.*',
  '**/credentials*.json',
];

const secretMatcher = picomatch(SECRET_EXCLUDES, { dot: true, nocase: true });

/** Does this path (relative, or absolute: every folder on the way counts) name a secret? */
export function isSecretPath(path: string): boolean {
  const rel = path.replace(/\\/g, '/').replace(/^[A-Za-z]:/, '').replace(/^\/+/, '');
  return secretMatcher(rel) || secretMatcher(rel + '/');
}

/** files a scan lists at most (a workspace past it shares the first ones, in walk order) */
export const DEFAULT_MAX_FILES = 10_000;

export interface SharedFile {
  path: string; // absolute
  relPath: string; // forward slashes, relative to the repository root
  size: number;
  mtimeMs: number;
}

export interface RepositoryOptions {
  root: string;
  excludes?: string[];
  /** where metainfo is cached (one file per repository root); none: no cache */
  cacheDir?: string;
  /** hashes small files in its worker (an engine's); none: on this thread */
  hasher?: Hasher;
  /** most files a scan lists; default DEFAULT_MAX_FILES */
  maxFiles?: number;
}

export class Repository {
  /** Whether the file (or folder) at a relative path, forward slashes, is left out: excluded or a secret. */
  readonly isExcluded: (relPath: string) => boolean;

  private readonly cache: MetainfoCache | undefined;

  constructor(readonly opts: RepositoryOptions) {
    this.cache = opts.cacheDir ? new MetainfoCache(opts.cacheDir, opts.root) : undefined;
    const patterns = opts.excludes ?? DEFAULT_EXCLUDES;
    const m = picomatch(patterns, { dot: true });
    // a pattern like **/.git/** must also exclude the folder itself
    this.isExcluded = (rel) => m(rel) || m(rel + '/') || isSecretPath(rel);
  }

  /** most files a scan lists */
  get maxFiles(): number {
    return this.opts.maxFiles ?? DEFAULT_MAX_FILES;
  }

  /** the last scan stopped at maxFiles with files (or folders) left unlisted */
  truncated = false;

  /** Regular, non-empty files under the root, neither excluded nor secret; symlinks are not followed. */
  async scan(): Promise<SharedFile[]> {
    const out: SharedFile[] = [];
    const max = this.maxFiles;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      const files: { abs: string; rel: string }[] = [];
      const dirs: string[] = [];
      for (const e of entries) {
        const abs = join(dir, e.name);
        const rel = relative(this.opts.root, abs).split(sep).join('/');
        if (this.isExcluded(rel)) continue;
        if (e.isDirectory()) dirs.push(abs);
        else if (e.isFile()) files.push({ abs, rel });
      }
      // a folder's files are looked at together, as many as there is room for: one stat after another takes seconds
      let next = 0;
      while (next < files.length && out.length < max) {
        const chunk = files.slice(next, next + max - out.length);
        next += chunk.length;
        const stats = await Promise.all(chunk.map((f) => fsp.stat(f.abs).catch(() => undefined)));
        // empty files have nothing to share; they are skipped, never touched
        for (const [i, st] of stats.entries()) {
          if (st && st.size > 0) out.push({ path: chunk[i].abs, relPath: chunk[i].rel, size: st.size, mtimeMs: st.mtimeMs });
        }
      }
      if (next < files.length) this.truncated = true;
      for (const d of dirs) {
        if (out.length >= max) return void (this.truncated = true);
        await walk(d);
      }
    };
    this.truncated = false;
    await walk(this.opts.root);
    return out.sort((a, b) => a.relPath.localeCompare(b.relPath));
  }

  /** The file's metainfo, from the cache when path, size and mtime still match. */
  async metainfo(file: SharedFile, announce: string[], signal?: AbortSignal): Promise<Metainfo> {
    return (await this.hashFile(file, announce, signal)).meta;
  }

  /**
   * The file's metainfo, from the cache when path, size and mtime still match, and whether it is of the
   * file as `file` describes it (`current`): false when the file was not that size and mtime when hashed,
   * or was written to while it was read.
   */
  async hashFile(file: SharedFile, announce: string[], signal?: AbortSignal): Promise<{ meta: Metainfo; current: boolean }> {
    const key = JSON.stringify(announce);
    const cached = await this.cache?.get(file.path, file.size, file.mtimeMs, key);
    if (cached) {
      try {
        return { meta: parseTorrent(cached), current: true };
      } catch {
        // a damaged entry: hash again
      }
    }
    const { meta, state, stable } = await createTorrentOf(file.path, {
      announce: announce[0],
      announceList: announce.length > 1 ? announce.map((a) => [a]) : undefined,
      // a team's torrents stay with the team: BEP 27 clients use no DHT or PEX for them
      private: announce.some((a) => teamKeyOf(a) !== undefined),
      signal,
      hasher: this.opts.hasher,
    });
    // a file written to while it was hashed is not cached under the size and mtime it had before
    const current = stable && state.size === file.size && state.mtimeMs === file.mtimeMs;
    if (current) await this.cache?.set(file.path, file.size, file.mtimeMs, key, meta.torrent);
    return { meta, current };
  }

  /** Writes the metainfo cache now (it is otherwise written within a few seconds of a change). */
  flushCache(): Promise<void> {
    return this.cache?.flush() ?? Promise.resolve();
  }
}
