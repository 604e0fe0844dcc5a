// The engine's public surface: what the CLI and the extension may use. Everything else under
// src/core (storage, wire, session internals, the tracker server) is the engine's own business.
export { Engine, type EngineOptions, type EngineEvents } from './engine';
export { createTorrent, magnetUri, parseMagnet, parseTorrent, MetainfoError, type Magnet, type Metainfo } from './metainfo';
export { DEFAULT_EXCLUDES, Repository, type SharedFile } from './repository';
export type { TorrentSession } from './session/torrentSession';
export type { PeerStats, SessionEvents, SessionProgress, SessionState } from './session/sessionTypes';
export { ExistingFileError } from './storage/pieceStore';
export { announceUrlOf, catalogUrlOf, fetchCatalog, fetchTorrent, publishTorrent, TrackerError, type PeerAddress, type TrackerErrorKind } from './tracker/client';
export type { CatalogFileJson } from './tracker/catalog';
export { formatBytes, formatEta, formatRate } from './format';
export { consoleLogger, silentLogger, type Logger } from './log';
