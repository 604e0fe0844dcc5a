// How a piece store is opened: a download's options, a seed's, and the parts a store is built from.
import type { Bitfield } from '../bitfield';
import type { Logger } from '../log';
import type { Metainfo } from '../metainfo';
import type { FileState } from './fileGuard';
import type { Hasher } from './hasher';
import type { FolderCopy } from './folderUpdate';
import type { FileIdentity } from './localCopy';
import type { PartialFile } from './partialFile';
import type { OnExisting } from './placement';
import type { PositionalFile } from './seedFile';
import type { Selection } from './selection';

export interface PieceStoreOptions {
  dir: string;
  meta: Metainfo;
  /** where in `dir` the file goes: a forward-slash catalog path ending in the torrent's name; default the name */
  relPath?: string;
  /**
   * a different file already at the target: throw ExistingFileError (default), write beside it as
   * "name (1).ext", or update it (its matching pieces reused, replaced once the new file is verified)
   */
  onExisting?: OnExisting;
  /** a multi-file torrent: download only the files these globs match (paths inside the torrent); default every file */
  select?: readonly string[];
  hasher?: Hasher;
  logger?: Logger;
  onCheckProgress?: (checkedBytes: number, total: number) => void;
  /** stops the hash check of existing data at once (AbortError): the torrent was stopped or removed */
  signal?: AbortSignal;
}

export interface SeedOptions {
  hasher?: Hasher;
  logger?: Logger;
  /** false trusts the file (e.g. just hashed by createTorrent); default true */
  verify?: boolean;
  onCheckProgress?: (checkedBytes: number, total: number) => void;
  /** stops the verification at once (AbortError) */
  signal?: AbortSignal;
  /** the file's size and mtime when its metainfo was hashed: a file changed since is refused (StaleFileError) */
  hashedAt?: FileState;
}

export interface StoreParts {
  /** a selective download's wanted files and pieces */
  selection?: Selection;
  meta: Metainfo;
  target: string;
  relPath?: string;
  /** the older file at `target` that the finished download replaces, as it was checked */
  replaces?: FileIdentity;
  /** a folder torrent's update: the older folder at `target` whose files the finished download replaces */
  replacesFolder?: FolderCopy;
  partial?: PartialFile;
  handle: PositionalFile;
  have: Bitfield;
  hasher: Hasher;
  ownsHasher: boolean;
  log: Logger;
}
