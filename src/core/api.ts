// The engine's public surface: what the CLI and the extension may use. Everything else under
// src/core (storage, wire, session internals, the tracker server) is the engine's own business.
export { DEFAULT_MAX_CONNECTIONS, Engine, type DownloadOptions, type EngineOptions, type EngineEvents } from './engine';
export { createTorrent, magnetUri, parseMagnet, parseTorrent, MetainfoError, type Magnet, type Metainfo } from './metainfo';
export { createFolderTorrent, listFolder, type FolderEntry } from './folderTorrent';
export type { TorrentFile } from './torrentFiles';
export { DEFAULT_METADATA_TIMEOUT_MS, fetchMetadata, MAX_METADATA_SIZE, MetadataError, type FetchedMetadata } from './magnet/metadataFetcher';
export type { MetadataFetchOptions } from './magnet/metadataFetcher';
export { resolveMagnet, type ResolvedMagnet, type ResolveMagnetOptions } from './magnet/resolveMagnet';
export { refusedLanding } from './neverWritten';
export { DEFAULT_EXCLUDES, isSecretPath, Repository, SECRET_EXCLUDES, type SharedFile } from './repository';
export { DEFAULT_SETTLE_MS, SharedFolder, type HashingProgress, type SharedFolderEntry } from './sharedFolder';
export type { SharedFolderEvents, SharedFolderOptions } from './sharedFolder';
export { StaleFileError, type FileState } from './storage/fileGuard';
export type { TorrentSession } from './session/torrentSession';
export type { PeerStats, SessionEvents, SessionProgress, SessionState } from './session/sessionTypes';
export { DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_PEERS, DEFAULT_UPLOAD_SLOTS } from './session/sessionTypes';
export { DEFAULT_PIECE_CACHE_BUDGET, DEFAULT_PIECE_CACHE_IDLE_MS } from './session/pieceCacheBudget';
export { hasSeedLimit, type SeedingStopped, type SeedLimits, watchSeedLimits } from './session/seedLimits';
export { ExistingFileError, type OnExisting } from './storage/placement';
export { NotAFolderError, PathError } from './storage/safePath';
export { announceUrlOf, catalogUrlOf, TEAM_KEY_PATTERN, teamKeyOf, withoutTeamKey, withTeamKey } from './trackerClient/urls';
export { fetchCatalog, fetchCatalogEntry, fetchMetainfo, fetchTorrent, publishTorrent } from './trackerClient/catalogClient';
export { fetchCatalogIfChanged, publishTorrents, type CatalogVersion, type PublishItem, type PublishOutcome } from './trackerClient/catalogClient';
export { TrackerError, type TrackerErrorKind } from './trackerClient/trackerError';
export type { PeerAddress } from './trackerClient/peers';
export type { CatalogFileJson } from './catalogWire';
export { displayText, formatBytes, formatEta, formatRate, redact } from './format';
export { consoleLogger, silentLogger, type Logger } from './log';
