// `sta tracker`: run the HTTP tracker with its catalog until SIGINT/SIGTERM.
import { consoleLogger } from '../core/api';
import { TrackerServer } from '../core/tracker/server';
import { waitForSignal } from './signals';
import { CommandSpec, helpText, intOption, parse } from './args';

export const trackerSpec: CommandSpec = {
  name: 'tracker',
  summary: 'Run a BitTorrent tracker (BEP 3/23/7/48) with STA\'s file catalog.',
  usage: 'tracker [--host ADDR] [--port N] [options]',
  options: {
    host: { type: 'string', default: '127.0.0.1', arg: 'ADDR', help: 'address to listen on' },
    port: { type: 'string', default: '7070', arg: 'N', help: 'TCP port (0 = any free port)' },
    interval: { type: 'string', default: '60', arg: 'SEC', help: 'seconds between announces asked of peers' },
    'min-interval': { type: 'string', arg: 'SEC', help: 'least seconds between announces (default interval/2)' },
    'trust-ip-param': { type: 'boolean', default: false, help: 'honour the announce `ip` parameter instead of the socket address' },
    'max-peers': { type: 'string', default: '200', arg: 'N', help: 'most peers in one announce response (caps numwant)' },
    'max-scrape': { type: 'string', default: '64', arg: 'N', help: 'most info-hashes in one scrape' },
    json: { type: 'boolean', default: false, help: 'print the listening URLs as one JSON line on stdout' },
    verbose: { type: 'boolean', short: 'v', default: false, help: 'log more' },
  },
};

export async function trackerCommand(argv: string[]): Promise<number> {
  const { values } = parse(trackerSpec, argv);
  if (values.help) return void console.log(helpText(trackerSpec)), 0;
  const server = new TrackerServer({
    host: values.host,
    port: intOption(values, 'port', 0, 65535),
    interval: intOption(values, 'interval', 1, 86400),
    minInterval: intOption(values, 'min-interval', 1, 86400),
    trustIpParam: values['trust-ip-param'],
    maxPeers: intOption(values, 'max-peers', 1, 5000),
    maxScrape: intOption(values, 'max-scrape', 1, 1000),
    logger: consoleLogger('[tracker] ', values.verbose),
  });
  await server.listen();
  const urls = { announce: server.announceUrl, catalog: `${server.baseUrl}/catalog`, scrape: `${server.baseUrl}/scrape`, pid: process.pid };
  if (values.json) console.log(JSON.stringify(urls));
  else console.log(`STA tracker\n  announce: ${urls.announce}\n  catalog:  ${urls.catalog}\n  scrape:   ${urls.scrape}`);
  await waitForSignal();
  await server.close();
  return 0;
}
