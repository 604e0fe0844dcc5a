// `sta list`: the tracker's catalog.
import { type CatalogFileJson, displayText, fetchCatalog, formatBytes } from '../core/api';
import { CommandSpec, helpText, parse, UsageError } from './args';
import { TRACKER_ENV } from './flagDefaults';

export const listSpec: CommandSpec = {
  name: 'list',
  summary: 'List the files published in an STA tracker\'s catalog.',
  usage: 'list --tracker URL [--wide] [--json]',
  options: {
    tracker: { type: 'string', short: 't', arg: 'URL', help: 'tracker URL' },
    wide: { type: 'boolean', default: false, help: 'show whole paths (otherwise a long one is cut in the middle with …)' },
    json: { type: 'boolean', default: false, help: 'print the catalog as JSON (whole paths, every field)' },
  },
};

/** The NAME column's width unless --wide. */
export const NAME_WIDTH = 32;

/** `text` in at most `width` characters: a longer one keeps its start and its end (the file name) around "…". */
export function cutMiddle(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const head = Math.floor((width - 1) / 3);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (width - 1 - head)).join('')}`;
}

/** The catalog as a table; names from the network are shown without control characters. */
export function catalogTable(files: CatalogFileJson[], wide: boolean): string[] {
  const names = files.map((f) => displayText(f.path));
  const width = wide ? Math.max(NAME_WIDTH, ...names.map((n) => [...n].length)) : NAME_WIDTH;
  const pad = (s: string) => s + ' '.repeat(Math.max(0, width - [...s].length));
  const lines = [`${pad('NAME')} ${'SIZE'.padStart(10)}  SEED LEECH  INFO-HASH`];
  files.forEach((f, i) => {
    const counts = `${String(f.seeders).padStart(4)} ${String(f.leechers).padStart(5)}`;
    const name = wide ? names[i] : cutMiddle(names[i], NAME_WIDTH);
    lines.push(`${pad(name)} ${formatBytes(f.length).padStart(10)}  ${counts}  ${f.infoHash}`);
  });
  return lines;
}

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parse(listSpec, argv);
  if (values.help) return void console.log(helpText(listSpec)), 0;
  if (!values.tracker) throw new UsageError(`sta list needs --tracker URL (or ${TRACKER_ENV}, or "tracker" in the config file)`);
  const files = await fetchCatalog(values.tracker);
  if (values.json) return void console.log(JSON.stringify({ files })), 0;
  if (files.length === 0) return void console.log('(the catalog is empty)'), 0;
  for (const line of catalogTable(files, values.wide)) console.log(line);
  return 0;
}
