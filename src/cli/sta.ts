// The `sta` command line: which subcommand runs, and what its outcome means as an exit code
// (0 done, 1 failed, 2 the command line itself was wrong).
import { UsageError } from './args';
import { createCommand } from './createCommand';
import { getCommand } from './getCommand';
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

function usage(): string {
  const lines = ['usage: sta <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `sta <command> --help` for its options.');
  return lines.join('\n');
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(require('../../package.json').version);
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`sta: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return cmd.run(rest);
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
