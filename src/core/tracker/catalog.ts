// STA's extension to a BitTorrent tracker: the list of published files and their .torrents.
import type { CatalogFileJson } from '../catalogWire';
import { magnetUri, Metainfo } from '../metainfo';

/** most files one catalog lists */
export const MAX_CATALOG_ENTRIES = 10_000;

export interface CatalogEntry {
  meta: Metainfo;
  path: string; // workspace-relative path the publisher gave (display only)
  publishedAt: number; // ms since epoch
}

/** What a catalog entry shows of its swarm. */
export interface SwarmCounts {
  seeders: number;
  leechers: number;
  completed: number;
}

/** A display path: forward slashes, no empty/`.`/`..` parts, no NUL, not absolute. */
export function cleanCatalogPath(raw: string | undefined, fallback: string): string {
  if (!raw) return fallback;
  const parts = raw.replace(/\\/g, '/').split('/');
  if (raw.length > 1024 || raw.includes('\0') || /^[a-zA-Z]:/.test(raw) || raw.startsWith('/')) return fallback;
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return fallback;
  return parts.join('/');
}

export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();
  constructor(readonly maxEntries = MAX_CATALOG_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  get(infoHashHex: string): CatalogEntry | undefined {
    return this.entries.get(infoHashHex);
  }

  has(infoHashHex: string): boolean {
    return this.entries.has(infoHashHex);
  }

  /** Adds the torrent, or moves a known one to `path`; no entry when the catalog is full and the torrent is new. */
  publish(meta: Metainfo, path: string, now = Date.now()): { entry?: CatalogEntry; created: boolean } {
    const old = this.entries.get(meta.infoHashHex);
    if (old) {
      old.path = path;
      return { entry: old, created: false };
    }
    if (this.entries.size >= this.maxEntries) return { created: false };
    const entry = { meta, path, publishedAt: now };
    this.entries.set(meta.infoHashHex, entry);
    return { entry, created: true };
  }

  remove(infoHashHex: string): boolean {
    return this.entries.delete(infoHashHex);
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
