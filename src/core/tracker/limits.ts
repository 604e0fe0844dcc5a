// Every cap the tracker keeps, in one place: what a hostile client can make it hold is bounded by
// these. Most are `sta tracker` flags too; each default says why it is what it is.

/**
 * Open connections. A new one past the cap closes the oldest: refusing new ones would let anyone
 * lock everybody out with idle sockets, while an honest request lives for milliseconds, so the
 * oldest connection is idle or hostile. Below the usual 1024 open files of a process.
 */
export const DEFAULT_MAX_CONNECTIONS = 900;
/** requests answered on one connection before it is closed (keep-alive clients reconnect) */
export const DEFAULT_MAX_REQUESTS_PER_SOCKET = 1000;
/**
 * Requests one connection may have waiting for their answers. BitTorrent clients, browsers and
 * Node never pipeline; thousands of pipelined requests in one read are an attack on the parser.
 */
export const MAX_PIPELINED = 16;
/** torrents tracked at once (~1 KiB each with a peer: at most ~60 MB): the catalog's 50,000 files and room for announces of others */
export const DEFAULT_MAX_SWARMS = 60_000;
/** peers in one torrent's swarm: a team, or a whole office, fits */
export const DEFAULT_MAX_PEERS_PER_SWARM = 2000;
/** peers over all swarms (~200 bytes each): bounds memory when many swarms are full */
export const DEFAULT_MAX_TRACKED_PEERS = 250_000;
/**
 * Announces per source address per second, with a burst: a peer sharing 2,000 files announces
 * them all when it starts, then each once an interval; a whole office behind one NAT fits.
 */
export const DEFAULT_ANNOUNCE_RATE = 100;
export const DEFAULT_ANNOUNCE_BURST = 2000;
/** source addresses whose announce rate is remembered; past it, idle ones are forgotten first */
export const MAX_RATE_ADDRESSES = 65_536;
/** files one catalog lists: five workspaces of 10,000 files */
export const DEFAULT_MAX_CATALOG_ENTRIES = 50_000;
/** catalog entries one source address may publish: one workspace's files (a repository shares at most 10,000) */
export const DEFAULT_MAX_ENTRIES_PER_ADDRESS = 10_000;
/** bytes of .torrents and paths the catalog holds (the list sent to clients is about as big) */
export const DEFAULT_MAX_CATALOG_BYTES = 64 * 1024 * 1024;
/**
 * The largest .torrent one may publish. STA picks 1,000–2,000 pieces up to 16 MiB each, so the
 * .torrents it makes for files up to 32 GiB hold at most ~41 KB; 256 KiB still covers 16 MiB
 * pieces of files up to ~200 GiB.
 */
export const DEFAULT_MAX_PUBLISH_BYTES = 256 * 1024;
/** an oversized publish body is read and dropped up to here before the 413 (a reset could eat the answer) */
export const PUBLISH_LINGER_BYTES = 8 * 1024 * 1024;
/** the catalog list and a full scrape are rebuilt at most this often; answers come from the cache */
export const ANSWER_CACHE_MS = 1000;
/** a socket with no I/O this long is closed (a client that stopped reading its answers) */
export const IDLE_SOCKET_MS = 30_000;
