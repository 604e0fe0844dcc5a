// The `sta` command line: which subcommand runs, and what its outcome means as an exit code
// (0 done, 1 failed, 2 the command line itself was wrong).
import { UsageError } from './args';
import { createCommand } from './createCommand';
import { TRACKER_ENV } from './flagDefaults';
import { getCommand } from './getCommand';
import { columns, terminalWidth, wrap } from './helpText';
import { listCommand } from './listCommand';
import { shareCommand } from './shareCommand';
import { trackerCommand } from './trackerCommand';

const commands: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  tracker: { run: trackerCommand, summary: 'run a tracker with a file catalog' },
  share: { run: shareCommand, summary: 'publish files and seed them' },
  get: { run: getCommand, summary: 'download a file (catalog name, info-hash, .torrent, magnet)' },
  list: { run: listCommand, summary: 'list the tracker\'s catalog' },
  create: { run: createCommand, summary: 'write a .torrent for a file' },
};

function usage(width = terminalWidth()): string {
  const rows = Object.entries(commands).map(([name, c]): [string, string] => [name, c.summary]);
  const notes = [
    'Run `sta help COMMAND` or `sta COMMAND --help` for its options.',
    `--tracker may be left out when ${TRACKER_ENV} or the config file (~/.config/sta/config.json) names the tracker; see \`sta help share\`.`,
  ];
  return ['usage: sta <command> [options]', '', 'commands:', ...columns(rows, width), '', ...notes.flatMap((n) => wrap(n, width))].join('\n');
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest.length > 0 && rest[0] !== 'help') return help(rest[0]);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(require('../../package.json').version);
    return 0;
  }
  return Object.hasOwn(commands, name) ? commands[name].run(rest) : unknownCommand(name);
}

/** `sta help COMMAND`: that command's own help, as `sta COMMAND --help` prints it. */
function help(name: string): Promise<number> | number {
  return Object.hasOwn(commands, name) ? commands[name].run(['--help']) : unknownCommand(name);
}

function unknownCommand(name: string): number {
  console.error(`sta: unknown command "${name}"\n\n${usage()}`);
  return 2;
}

function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    console.error(`sta: ${e.message}`);
    return 2;
  }
  // a one-line reason; the stack only when asked for
  console.error(`sta: ${process.env.STA_DEBUG ? ((e as Error).stack ?? e) : ((e as Error).message ?? e)}`);
  return 1;
}

/** Runs `sta ARGV...` to its end and returns the exit code; errors are reported on stderr. */
export function runSta(argv: string[]): Promise<number> {
  return dispatch(argv).then((code) => code, reportError);
}
