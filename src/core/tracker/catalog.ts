// STA's extension to a BitTorrent tracker: the list of published files and their .torrents.
import type { CatalogFileJson } from '../catalogWire';
import { magnetUri, Metainfo } from '../metainfo';

/** most files one catalog lists */
export const MAX_CATALOG_ENTRIES = 10_000;

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

const entryBytes = (e: { meta: Metainfo; path: string }) => e.meta.torrent.length + e.path.length;

export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();
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

  /**
   * Adds the torrent from `publisher`, or moves a known one to `path` (whoever may do that is the
   * route's decision). A new torrent past a cap gets no entry, and `full` says which cap.
   */
  publish(meta: Metainfo, path: string, publisher: string, now = Date.now()): { entry?: CatalogEntry; created: boolean; full?: string } {
    const old = this.entries.get(meta.infoHashHex);
    if (old) {
      if (old.path !== path) {
        this.bytes += path.length - old.path.length;
        old.path = path;
        this.version++;
      }
      return { entry: old, created: false };
    }
    const c = this.caps;
    const mine = this.perAddress.get(publisher) ?? 0;
    if (this.entries.size >= c.maxEntries) return { created: false, full: `the catalog is full (${c.maxEntries} files)` };
    if (mine >= c.maxEntriesPerAddress) return { created: false, full: `your address has published ${mine} files, the most one address may` };
    const entry = { meta, path, publisher, publishedAt: now };
    if (this.bytes + entryBytes(entry) > c.maxBytes) return { created: false, full: `the catalog is full (${c.maxBytes} bytes)` };
    this.entries.set(meta.infoHashHex, entry);
    this.perAddress.set(publisher, mine + 1);
    this.bytes += entryBytes(entry);
    this.version++;
    return { entry, created: true };
  }

  remove(infoHashHex: string): boolean {
    const e = this.entries.get(infoHashHex);
    if (!e) return false;
    this.entries.delete(infoHashHex);
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
