// `sta tracker`: run the HTTP tracker with its catalog until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { consoleLogger, TEAM_KEY_PATTERN } from '../core/api';
import { TrackerServer } from '../core/tracker/server';
import * as limits from '../core/tracker/limits';
import { waitForSignal } from './signals';
import { CommandSpec, helpText, intOption, parse, UsageError } from './args';

const KEY_ENV = 'STA_TRACKER_KEY';

export const trackerSpec: CommandSpec = {
  name: 'tracker',
  summary: 'Run a BitTorrent tracker (BEP 3/23/7/48) with STA\'s file catalog.',
  usage: 'tracker [--host ADDR] [--port N] [--key-file FILE] [options]',
  options: {
    host: { type: 'string', default: '127.0.0.1', arg: 'ADDR', help: 'address to listen on' },
    port: { type: 'string', default: '7070', arg: 'N', help: 'TCP port (0 = any free port)' },
    'key-file': { type: 'string', arg: 'FILE', help: `team key: every route then lives under /KEY/ (or set ${KEY_ENV})` },
    interval: { type: 'string', default: '60', arg: 'SEC', help: 'seconds between announces asked of peers' },
    'min-interval': { type: 'string', arg: 'SEC', help: 'least seconds between announces (default interval/2)' },
    'trust-ip-param': { type: 'boolean', default: false, help: 'honour the announce `ip` parameter instead of the socket address' },
    'max-peers': { type: 'string', default: '200', arg: 'N', help: 'most peers in one announce response (caps numwant)' },
    'max-scrape': { type: 'string', default: '64', arg: 'N', help: 'most info-hashes in one scrape' },
    'announce-rate': {
      type: 'string',
      default: String(limits.DEFAULT_ANNOUNCE_RATE),
      arg: 'N',
      help: 'announces per second from one address (0 = no limit)',
    },
    'announce-burst': { type: 'string', default: String(limits.DEFAULT_ANNOUNCE_BURST), arg: 'N', help: 'announces one address may send at once' },
    'max-swarms': { type: 'string', default: String(limits.DEFAULT_MAX_SWARMS), arg: 'N', help: 'most torrents tracked' },
    'max-peers-per-swarm': { type: 'string', default: String(limits.DEFAULT_MAX_PEERS_PER_SWARM), arg: 'N', help: 'most peers in one torrent' },
    'max-tracked-peers': { type: 'string', default: String(limits.DEFAULT_MAX_TRACKED_PEERS), arg: 'N', help: 'most peers over all torrents' },
    'max-connections': { type: 'string', default: String(limits.DEFAULT_MAX_CONNECTIONS), arg: 'N', help: 'open connections (past it the oldest closes)' },
    'max-catalog-entries': { type: 'string', default: String(limits.DEFAULT_MAX_CATALOG_ENTRIES), arg: 'N', help: 'most files in the catalog' },
    'max-files-per-address': { type: 'string', default: String(limits.DEFAULT_MAX_ENTRIES_PER_ADDRESS), arg: 'N', help: 'most catalog files from one address' },
    'max-catalog-mib': { type: 'string', default: String(limits.DEFAULT_MAX_CATALOG_BYTES / 2 ** 20), arg: 'N', help: 'MiB of .torrents the catalog holds' },
    'max-torrent-kib': { type: 'string', default: String(limits.DEFAULT_MAX_PUBLISH_BYTES / 1024), arg: 'N', help: 'largest .torrent one may publish, in KiB' },
    json: { type: 'boolean', default: false, help: 'print the listening URLs as one JSON line on stdout' },
    verbose: { type: 'boolean', short: 'v', default: false, help: 'log more' },
  },
};

/** The team key from --key-file or STA_TRACKER_KEY; a usage error names where a bad one came from. */
function teamKey(file: string | undefined): string | undefined {
  let key: string;
  let from: string;
  if (file !== undefined) {
    from = `--key-file ${file}`;
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`${from}: ${(e as Error).message}`);
    }
  } else if (process.env[KEY_ENV] !== undefined) {
    from = KEY_ENV;
    key = process.env[KEY_ENV]!.trim();
  } else {
    return undefined;
  }
  if (!TEAM_KEY_PATTERN.test(key)) throw new UsageError(`${from}: a team key is 16 to 128 letters, digits, - or _`);
  return key;
}

export async function trackerCommand(argv: string[]): Promise<number> {
  const { values } = parse(trackerSpec, argv);
  if (values.help) return void console.log(helpText(trackerSpec)), 0;
  const mib = intOption(values, 'max-catalog-mib', 1, 4096);
  const kib = intOption(values, 'max-torrent-kib', 1, 10 * 1024);
  const server = new TrackerServer({
    host: values.host,
    port: intOption(values, 'port', 0, 65535),
    key: teamKey(values['key-file']),
    interval: intOption(values, 'interval', 1, 86400),
    minInterval: intOption(values, 'min-interval', 1, 86400),
    trustIpParam: values['trust-ip-param'],
    maxPeers: intOption(values, 'max-peers', 1, 5000),
    maxScrape: intOption(values, 'max-scrape', 1, 1000),
    announceRate: intOption(values, 'announce-rate', 0, 1e6),
    announceBurst: intOption(values, 'announce-burst', 1, 1e6),
    maxSwarms: intOption(values, 'max-swarms', 1, 1e7),
    maxPeersPerSwarm: intOption(values, 'max-peers-per-swarm', 1, 1e6),
    maxTrackedPeers: intOption(values, 'max-tracked-peers', 1, 1e8),
    maxConnections: intOption(values, 'max-connections', 1, 1e6),
    maxCatalogEntries: intOption(values, 'max-catalog-entries', 1, 1e6),
    maxEntriesPerAddress: intOption(values, 'max-files-per-address', 1, 1e6),
    maxCatalogBytes: mib === undefined ? undefined : mib * 2 ** 20,
    maxTorrentBytes: kib === undefined ? undefined : kib * 1024,
    logger: consoleLogger('[tracker] ', values.verbose),
  });
  await server.listen();
  // the keyed URLs: whoever runs the tracker owns its key
  const urls = { announce: server.announceUrl, catalog: server.catalogUrl, scrape: server.scrapeUrl, pid: process.pid };
  if (values.json) console.log(JSON.stringify(urls));
  else console.log(`STA tracker\n  announce: ${urls.announce}\n  catalog:  ${urls.catalog}\n  scrape:   ${urls.scrape}`);
  await waitForSignal();
  await server.close();
  return 0;
}
