// STA's extension to a BitTorrent tracker: the list of published files and their .torrents.
import { magnetUri, Metainfo } from '../metainfo';

export interface CatalogEntry {
  meta: Metainfo;
  path: string; // workspace-relative path the publisher gave (display only)
  publishedAt: number; // ms since epoch
}

export interface CatalogFileJson {
  name: string;
  path: string;
  length: number;
  pieceLength: number;
  pieceCount: number;
  infoHash: string;
  magnet: string;
  seeders: number;
  leechers: number;
  completed: number;
  publishedAt: string;
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
  constructor(readonly maxEntries = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  get(infoHashHex: string): CatalogEntry | undefined {
    return this.entries.get(infoHashHex);
  }

  has(infoHashHex: string): boolean {
    return this.entries.has(infoHashHex);
  }

  /** Returns false when the catalog is full and the torrent is new. */
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

export function entryJson(e: CatalogEntry, counts: { seeders: number; leechers: number; completed: number }): CatalogFileJson {
  const m = e.meta;
  return {
    name: m.name,
    path: e.path,
    length: m.length,
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    infoHash: m.infoHashHex,
    magnet: magnetUri(m),
    seeders: counts.seeders,
    leechers: counts.leechers,
    completed: counts.completed,
    publishedAt: new Date(e.publishedAt).toISOString(),
  };
}
