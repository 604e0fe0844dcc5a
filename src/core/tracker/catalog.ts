// STA's extension to a BitTorrent tracker: the list of published files and their .torrents.
import type { CatalogFileJson } from '../catalogWire';
import { magnetUri, Metainfo } from '../metainfo';
import { DEFAULT_MAX_CATALOG_ENTRIES } from './limits';

/** most files one catalog lists */
export const MAX_CATALOG_ENTRIES = DEFAULT_MAX_CATALOG_ENTRIES;

export interface CatalogEntry {
  meta: Metainfo;
  path: string; // workspace-relative path the publisher gave (display only)
  /** the source address of the first publish: it may move the entry */
  readonly publisher: string;
  publishedAt: number; // ms since epoch
}

/** What a catalog entry shows of its swarm. */
export interface SwarmCounts {
  seeders: number;
  leechers: number;
  completed: number;
}

export interface CatalogCaps {
  maxEntries: number;
  /** bytes of .torrents and paths held */
  maxBytes: number;
  maxEntriesPerAddress: number;
}

export interface PublishResult {
  entry?: CatalogEntry;
  created: boolean;
  /** the cap that kept a new torrent out */
  full?: string;
  /** the other torrent that was listed at the path: no longer listed */
  replaced?: CatalogEntry;
}

const entryBytes = (e: { meta: Metainfo; path: string }) => e.meta.torrent.length + e.path.length;

export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();
  /** one entry per path: the version published last */
  private readonly byPath = new Map<string, CatalogEntry>();
  private readonly perAddress = new Map<string, number>();
  private bytes = 0;
  /** changes whenever an entry comes, goes or moves: what the list shows besides counts */
  version = 0;

  constructor(readonly caps: CatalogCaps = { maxEntries: MAX_CATALOG_ENTRIES, maxBytes: Infinity, maxEntriesPerAddress: Infinity }) {}

  get size(): number {
    return this.entries.size;
  }

  get(infoHashHex: string): CatalogEntry | undefined {
    return this.entries.get(infoHashHex);
  }

  has(infoHashHex: string): boolean {
    return this.entries.has(infoHashHex);
  }

  /** The entry listed at `path`, if any. */
  atPath(path: string): CatalogEntry | undefined {
    return this.byPath.get(path);
  }

  /**
   * Adds the torrent from `publisher`, or moves a known one to `path`; another torrent listed at
   * `path` is `replaced` (whoever may do either is the route's decision). A new torrent past a cap
   * gets no entry, and `full` says which cap; replacing a version never grows the catalog.
   */
  publish(meta: Metainfo, path: string, publisher: string, now = Date.now()): PublishResult {
    const old = this.entries.get(meta.infoHashHex);
    const occupant = this.byPath.get(path);
    const replaced = occupant && occupant !== old ? occupant : undefined;
    if (old) {
      if (old.path !== path) {
        if (replaced) this.remove(replaced.meta.infoHashHex);
        this.byPath.delete(old.path);
        this.byPath.set(path, old);
        this.bytes += path.length - old.path.length;
        old.path = path;
        this.version++;
      }
      return { entry: old, created: false, replaced };
    }
    const c = this.caps;
    const entry = { meta, path, publisher, publishedAt: now };
    // the version replaced gives back its room before the caps are checked
    const freedBytes = replaced ? entryBytes(replaced) : 0;
    const mine = (this.perAddress.get(publisher) ?? 0) - (replaced?.publisher === publisher ? 1 : 0);
    if (this.entries.size - (replaced ? 1 : 0) >= c.maxEntries) return { created: false, full: `the catalog is full (${c.maxEntries} files)` };
    if (mine >= c.maxEntriesPerAddress) return { created: false, full: `your address has published ${mine} files, the most one address may` };
    if (this.bytes - freedBytes + entryBytes(entry) > c.maxBytes) return { created: false, full: `the catalog is full (${c.maxBytes} bytes)` };
    if (replaced) this.remove(replaced.meta.infoHashHex);
    this.entries.set(meta.infoHashHex, entry);
    this.byPath.set(path, entry);
    this.perAddress.set(publisher, mine + 1);
    this.bytes += entryBytes(entry);
    this.version++;
    return { entry, created: true, replaced };
  }

  remove(infoHashHex: string): boolean {
    const e = this.entries.get(infoHashHex);
    if (!e) return false;
    this.entries.delete(infoHashHex);
    if (this.byPath.get(e.path) === e) this.byPath.delete(e.path);
    const n = this.perAddress.get(e.publisher)! - 1;
    if (n === 0) this.perAddress.delete(e.publisher);
    else this.perAddress.set(e.publisher, n);
    this.bytes -= entryBytes(e);
    this.version++;
    return true;
  }

  values(): IterableIterator<CatalogEntry> {
    return this.entries.values();
  }
}

/** An entry as the catalog routes send it; `swarm` is undefined when nobody announced the torrent. */
export function entryJson(e: CatalogEntry, swarm: SwarmCounts | undefined): CatalogFileJson {
  const m = e.meta;
  return {
    name: m.name,
    path: e.path,
    length: m.length,
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    infoHash: m.infoHashHex,
    magnet: magnetUri(m),
    seeders: swarm?.seeders ?? 0,
    leechers: swarm?.leechers ?? 0,
    completed: swarm?.completed ?? 0,
    publishedAt: new Date(e.publishedAt).toISOString(),
  };
}
