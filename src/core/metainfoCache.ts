// A repository's metainfo, cached by path + size + mtime (+ tracker list) in one JSON file per
// repository: a restart reads one file rather than one per shared file. Saved atomically (a
// temporary file renamed over the old one), at most once per SAVE_DELAY_MS and when flushed.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** new entries are gathered this long before the file is written again */
export const SAVE_DELAY_MS = 2000;
/** entries kept beyond those used by this run (files since deleted, or excluded for now) */
const MAX_UNUSED = 10_000;
const FORMAT = 1;

interface Entry {
  size: number;
  mtimeMs: number;
  /** the tracker list the torrent was made for, as JSON */
  announce: string;
  /** the .torrent: base64 as read from the file, or the bytes a Metainfo holds anyway (no second copy in memory) */
  torrent: string | Buffer;
}

interface CacheFile {
  format: number;
  root: string;
  /** by absolute path */
  entries: Record<string, Entry>;
}

export class MetainfoCache {
  readonly file: string;
  private entries: Map<string, Entry> | undefined;
  private loading: Promise<Map<string, Entry>> | undefined;
  /** paths looked up or stored by this run: kept whatever the cap */
  private readonly used = new Set<string>();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, private readonly root: string) {
    this.file = join(dir, `repository-${createHash('sha1').update(root).digest('hex')}.json`);
  }

  /** The cached .torrent of the file at `path` if it was made for this size, mtime and tracker list. */
  async get(path: string, size: number, mtimeMs: number, announce: string): Promise<Buffer | undefined> {
    const entries = await this.load();
    this.used.add(path);
    const e = entries.get(path);
    if (!e || e.size !== size || e.mtimeMs !== mtimeMs || e.announce !== announce) return undefined;
    if (typeof e.torrent === 'string') e.torrent = Buffer.from(e.torrent, 'base64');
    return e.torrent;
  }

  /** Remembers a .torrent just made for the file as it was (size, mtime); written within SAVE_DELAY_MS. */
  async set(path: string, size: number, mtimeMs: number, announce: string, torrent: Buffer): Promise<void> {
    const entries = await this.load();
    this.used.add(path);
    entries.set(path, { size, mtimeMs, announce, torrent });
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Writes what changed now (a pass over the folder is done, or it closes). Never throws: it is only a cache. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.saving = this.saving.then(() => this.save()).catch(() => undefined);
    return this.saving;
  }

  private async save(): Promise<void> {
    if (!this.dirty || !this.entries) return;
    this.dirty = false;
    const out: Record<string, Entry> = {};
    let unused = 0;
    for (const [path, e] of this.entries) {
      if (!this.used.has(path) && unused++ >= MAX_UNUSED) continue;
      out[path] = { ...e, torrent: typeof e.torrent === 'string' ? e.torrent : e.torrent.toString('base64') };
    }
    const doc: CacheFile = { format: FORMAT, root: this.root, entries: out };
    await fsp.mkdir(this.dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await fsp.writeFile(tmp, JSON.stringify(doc));
      await fsp.rename(tmp, this.file);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  private load(): Promise<Map<string, Entry>> {
    if (this.entries) return Promise.resolve(this.entries);
    this.loading ??= (async () => {
      const entries = new Map<string, Entry>();
      try {
        const doc = JSON.parse(await fsp.readFile(this.file, 'utf8')) as CacheFile;
        if (doc.format === FORMAT && doc.root === this.root) {
          for (const [path, e] of Object.entries(doc.entries)) if (isEntry(e)) entries.set(path, e);
        }
      } catch {
        // no cache yet, or an unreadable one: everything is hashed again
      }
      return (this.entries = entries);
    })();
    return this.loading;
  }
}

function isEntry(e: unknown): e is Entry {
  const x = e as Entry;
  return !!x && typeof x.size === 'number' && typeof x.mtimeMs === 'number' && typeof x.announce === 'string' && typeof x.torrent === 'string';
}
