// `sta list`: the tracker's catalog.
import { fetchCatalog, formatBytes } from '../core/api';
import { CommandSpec, helpText, parse, UsageError } from './args';

export const listSpec: CommandSpec = {
  name: 'list',
  summary: 'List the files published in an STA tracker\'s catalog.',
  usage: 'list --tracker URL [--json]',
  options: {
    tracker: { type: 'string', short: 't', arg: 'URL', help: 'tracker URL' },
    json: { type: 'boolean', default: false, help: 'print the catalog as JSON' },
  },
};

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parse(listSpec, argv);
  if (values.help) return void console.log(helpText(listSpec)), 0;
  if (!values.tracker) throw new UsageError('sta list needs --tracker URL');
  const files = await fetchCatalog(values.tracker);
  if (values.json) return void console.log(JSON.stringify({ files })), 0;
  if (files.length === 0) return void console.log('(the catalog is empty)'), 0;
  console.log(`${'NAME'.padEnd(32)} ${'SIZE'.padStart(10)}  SEED LEECH  INFO-HASH`);
  for (const f of files) {
    const counts = `${String(f.seeders).padStart(4)} ${String(f.leechers).padStart(5)}`;
    console.log(`${f.path.slice(0, 32).padEnd(32)} ${formatBytes(f.length).padStart(10)}  ${counts}  ${f.infoHash}`);
  }
  return 0;
}
