// Unfinished downloads, kept in workspaceState: a window reload starts a new extension host, and the
// Transfers of the old one must come back (the .part files on disk already hold their verified pieces).
import type * as vscode from 'vscode';
import { type Metainfo, parseTorrent, type SessionProgress } from '../../core/api';
import { StoreKeys } from '../constants';
import type { Transfer } from './transfers';

/** What to do when a different file already has the download's path: refuse, save beside it, or update it in place. */
export type OnExisting = 'refuse' | 'suffix' | 'update';
const ON_EXISTING: readonly OnExisting[] = ['refuse', 'suffix', 'update'];

/**
 * Where a download goes: the workspace folder (`root`; absent in entries from before multi-root: the first
 * folder), the `sta.downloadFolder` it started with (relative to `root`), the catalog path under it (absent:
 * the torrent's name) and its rule for an existing file.
 */
export interface DownloadTarget {
  root?: string;
  folder: string;
  relPath?: string;
  /** what the finished file is published as (the download folder, and the folder's name in a multi-root window) */
  catalogPath?: string;
  onExisting: OnExisting;
  /** a link's download (magnet, .torrent): announced to the torrent's own trackers too */
  ownTrackers?: boolean;
  /** a multi-file torrent: only these files (exact paths inside it); absent: every file */
  select?: string[];
}

export interface JournalEntry {
  meta: Metainfo;
  target: DownloadTarget;
  /** paused by the user: it comes back paused */
  paused: boolean;
  /** verified when last recorded: what the row shows until STA runs again */
  verifiedBytes: number;
}

/** The stored form: JSON, the .torrent as base64 (the catalog may be gone when the window comes back). */
interface Stored {
  torrent: string;
  root?: string;
  folder: string;
  relPath?: string;
  catalogPath?: string;
  onExisting: OnExisting;
  ownTrackers?: boolean;
  select?: string[];
  paused: boolean;
  verifiedBytes: number;
}

export class TransferJournal {
  constructor(private readonly state: vscode.Memento) {}

  /** The recorded downloads; an entry that does not read back (another version's, damaged) is left out. */
  entries(): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (const [infoHash, s] of Object.entries(this.stored())) {
      try {
        const meta = parseTorrent(Buffer.from(s.torrent, 'base64'));
        if (meta.infoHashHex !== infoHash || typeof s.folder !== 'string') continue;
        const onExisting = ON_EXISTING.includes(s.onExisting) ? s.onExisting : 'refuse';
        const verifiedBytes = Math.min(Math.max(Number(s.verifiedBytes) || 0, 0), meta.length);
        const target: DownloadTarget = { folder: s.folder, onExisting };
        if (typeof s.root === 'string' && s.root) target.root = s.root;
        if (typeof s.relPath === 'string' && s.relPath) target.relPath = s.relPath;
        if (typeof s.catalogPath === 'string' && s.catalogPath) target.catalogPath = s.catalogPath;
        if (s.ownTrackers === true) target.ownTrackers = true;
        const select = Array.isArray(s.select) ? s.select.filter((p): p is string => typeof p === 'string' && meta.files.some((f) => f.path === p)) : [];
        // a selection none of whose files is in the torrent any more: not resumed as "everything"
        if (Array.isArray(s.select) && select.length === 0) continue;
        if (select.length > 0) target.select = select;
        out.push({ meta, target, paused: s.paused === true, verifiedBytes });
      } catch {
        // not a torrent any more: nothing to resume
      }
    }
    return out;
  }

  record(e: JournalEntry): void {
    const { meta, target, paused, verifiedBytes } = e;
    const { root, folder, relPath, catalogPath, onExisting, ownTrackers, select } = target;
    const torrent = meta.torrent.toString('base64');
    const entry: Stored = { torrent, root, folder, relPath, catalogPath, onExisting, ownTrackers, select, paused, verifiedBytes };
    void this.state.update(StoreKeys.transfers, { ...this.stored(), [meta.infoHashHex]: entry });
  }

  remove(infoHash: string): void {
    const all = this.stored();
    if (!(infoHash in all)) return;
    delete all[infoHash];
    void this.state.update(StoreKeys.transfers, all);
  }

  private stored(): Record<string, Stored> {
    const v = this.state.get<unknown>(StoreKeys.transfers);
    return v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Record<string, Stored>) } : {};
  }
}

/** A download from the journal, as its row shows before STA runs: stopped (or paused) at what it had verified. */
export function restored(e: JournalEntry): Transfer {
  const { meta, verifiedBytes } = e;
  const progress: SessionProgress = {
    infoHash: meta.infoHashHex,
    name: meta.name,
    state: e.paused ? 'paused' : 'stopped',
    length: meta.length,
    verifiedBytes,
    reusedBytes: 0,
    pieces: Math.floor(verifiedBytes / meta.pieceLength),
    piecesTotal: meta.pieceCount,
    downloaded: 0,
    uploaded: 0,
    downloadRate: 0,
    uploadRate: 0,
    peers: 0,
  };
  return { infoHash: meta.infoHashHex, name: meta.name, kind: 'download', meta, progress, done: false, target: e.target, paused: e.paused };
}
