// `sta create`: write a BitTorrent v1 .torrent of a file or of a folder (multi-file, as mktorrent makes it);
// print its info-hash and magnet.
import { promises as fsp } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createFolderTorrent, createTorrent, magnetUri, teamKeyOf } from '../core/api';
import { CommandSpec, helpText, intOption, parse, UsageError } from './args';
import { originOf, TRACKER_ENV } from './flagDefaults';

export const createSpec: CommandSpec = {
  name: 'create',
  summary:
    'Hash FILE and write its .torrent (BitTorrent v1). A folder makes one multi-file torrent of every file in it, the same torrent ' +
    '(info-hash) mktorrent makes of it with the same piece length; `sta get` lands it as DIR/<folder name>/... ' +
    'It needs a tracker: STA finds peers only through trackers (it has no DHT). ' +
    '--no-tracker writes one without, for clients that find peers by DHT; `sta get` then needs --tracker.',
  usage: 'create FILE|FOLDER {--tracker URL | --no-tracker} [--piece-length BYTES] [-o OUT.torrent]',
  options: {
    tracker: { type: 'string', short: 't', multiple: true, arg: 'URL', help: 'announce URL (repeat for a BEP 12 announce-list)' },
    'piece-length': { type: 'string', arg: 'BYTES', help: 'piece length, a power of two from 16 KiB (default: ~1,000-2,000 pieces)' },
    output: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write the .torrent (default FILE.torrent)' },
    'no-tracker': { type: 'boolean', default: false, help: 'write the torrent without a tracker (for DHT clients; STA has no DHT)' },
    private: { type: 'boolean', default: false, help: 'mark private (BEP 27: no DHT/PEX); always so for a tracker URL with a team key' },
    json: { type: 'boolean', default: false, help: 'print the result as one JSON line' },
  },
};

export async function createCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(createSpec, argv);
  if (values.help) return void console.log(helpText(createSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`sta create takes exactly one FILE or FOLDER\n\n${helpText(createSpec)}`);
  const file = positionals[0];
  const trackers = trackersOf(values);
  const pieceLength = intOption(values, 'piece-length', 16384, 64 * 1024 * 1024);
  const st = await fsp.stat(file).catch(() => undefined);
  if (!st) throw new UsageError(`${file}: no such file or folder`);
  const make = st.isDirectory() ? createFolderTorrent : createTorrent;
  const meta = await make(file, {
    announceList: trackers.length > 1 ? trackers.map((t) => [t]) : undefined,
    announce: trackers[0],
    pieceLength,
    // a team's torrent stays with the team's tracker: no DHT, PEX or local discovery
    private: values.private || trackers.some((t) => teamKeyOf(t) !== undefined),
  });
  const out = values.output ?? `${basename(resolve(file))}.torrent`;
  await fsp.writeFile(out, meta.torrent);
  const result = {
    torrent: out,
    name: meta.name,
    length: meta.length,
    files: meta.multiFile ? meta.files.length : undefined,
    pieceLength: meta.pieceLength,
    pieces: meta.pieceCount,
    infoHash: meta.infoHashHex,
    magnet: magnetUri(meta),
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    const pieces = `${meta.pieceCount} × ${meta.pieceLength} bytes`;
    console.log(`wrote ${out}\n  info-hash: ${meta.infoHashHex}\n  pieces:    ${pieces}\n  magnet:    ${result.magnet}`);
  }
  return 0;
}

/** The announce URLs: --tracker, STA_TRACKER or the config file's; none only when --no-tracker asks for that. */
function trackersOf(values: Record<string, any>): string[] {
  const trackers: string[] = values.tracker ?? [];
  if (!values['no-tracker']) {
    if (trackers.length > 0) return trackers;
    throw new UsageError(`sta create needs --tracker URL (or ${TRACKER_ENV}, or "tracker" in the config file), or --no-tracker`);
  }
  if (trackers.length > 0 && originOf(values, 'tracker') === '--tracker') throw new UsageError('--tracker and --no-tracker contradict each other');
  return [];
}
