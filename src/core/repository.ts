// Which files of a folder (the workspace, or the one `sta share` names) this peer shares, and their metainfo,
// cached by path + size + mtime so a restart does not hash everything again.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { createTorrent, Metainfo, parseTorrent } from './metainfo';
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

export interface SharedFile {
  path: string; // absolute
  relPath: string; // forward slashes, relative to the repository root
  size: number;
  mtimeMs: number;
}

export interface RepositoryOptions {
  root: string;
  excludes?: string[];
  /** where metainfo is cached; none: no cache */
  cacheDir?: string;
  maxFiles?: number;
}

export class Repository {
  /** Whether the file (or folder) at a relative path, forward slashes, is left out: excluded or a secret. */
  readonly isExcluded: (relPath: string) => boolean;

  constructor(readonly opts: RepositoryOptions) {
    const patterns = opts.excludes ?? DEFAULT_EXCLUDES;
    const m = picomatch(patterns, { dot: true });
    // a pattern like **/.git/** must also exclude the folder itself
    this.isExcluded = (rel) => m(rel) || m(rel + '/') || isSecretPath(rel);
  }

  /** Regular, non-empty files under the root, neither excluded nor secret; symlinks are not followed. */
  async scan(): Promise<SharedFile[]> {
    const out: SharedFile[] = [];
    const max = this.opts.maxFiles ?? 10_000;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (out.length >= max) return;
        const abs = join(dir, e.name);
        const rel = relative(this.opts.root, abs).split(sep).join('/');
        if (this.isExcluded(rel)) continue;
        if (e.isDirectory()) await walk(abs);
        else if (e.isFile()) {
          const st = await fsp.stat(abs).catch(() => undefined);
          // empty files have nothing to share; they are skipped, never touched
          if (st && st.size > 0) out.push({ path: abs, relPath: rel, size: st.size, mtimeMs: st.mtimeMs });
        }
      }
    };
    await walk(this.opts.root);
    return out.sort((a, b) => a.relPath.localeCompare(b.relPath));
  }

  /** The file's metainfo, from the cache when path, size and mtime still match. */
  async metainfo(file: SharedFile, announce: string[], signal?: AbortSignal): Promise<Metainfo> {
    const cacheFile = this.opts.cacheDir ? join(this.opts.cacheDir, createHash('sha1').update(file.path).digest('hex') + '.json') : undefined;
    const key = JSON.stringify(announce);
    if (cacheFile) {
      try {
        const c = JSON.parse(await fsp.readFile(cacheFile, 'utf8'));
        const fresh = c.path === file.path && c.size === file.size && c.mtimeMs === file.mtimeMs && c.announce === key;
        if (fresh) return parseTorrent(Buffer.from(c.torrent, 'base64'));
      } catch {
        // missing or stale cache: hash again
      }
    }
    const meta = await createTorrent(file.path, {
      announce: announce[0],
      announceList: announce.length > 1 ? announce.map((a) => [a]) : undefined,
      // a team's torrents stay with the team: BEP 27 clients use no DHT or PEX for them
      private: announce.some((a) => teamKeyOf(a) !== undefined),
      signal,
    });
    // a file written to while it was hashed is not cached under the size and mtime it had before
    const after = await fsp.stat(file.path).catch(() => undefined);
    if (cacheFile && after?.size === file.size && after.mtimeMs === file.mtimeMs) {
      await fsp.mkdir(this.opts.cacheDir!, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      const entry = { path: file.path, size: file.size, mtimeMs: file.mtimeMs, announce: key, torrent: meta.torrent.toString('base64') };
      await fsp.writeFile(tmp, JSON.stringify(entry));
      await fsp.rename(tmp, cacheFile);
    }
    return meta;
  }
}
