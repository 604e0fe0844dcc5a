// `sta share DIR --as-one`: a folder published and seeded as one multi-file torrent (what a
// qBittorrent, Transmission or aria2 user downloads as DIR/<name>/...), not a torrent per file.
import { basename } from 'node:path';
import { createFolderTorrent, type Engine, isSecretPath, teamKeyOf } from '../core/api';
import type { Reporter } from './progress';

/**
 * Hashes every file of `folder` but secrets (always left out) into one torrent and seeds it in place.
 * A file changed afterwards is never served from the old hashes (the seed stops); share again to re-hash.
 */
export async function shareAsOne(engine: Engine, folder: string, trackers: string[], reporter: Reporter): Promise<void> {
  const skipped: string[] = [];
  const meta = await createFolderTorrent(folder, {
    announce: trackers[0],
    announceList: trackers.length > 1 ? trackers.map((t) => [t]) : undefined,
    // a team's torrent stays with the team's tracker: no DHT, PEX or local discovery
    private: trackers.some((t) => teamKeyOf(t) !== undefined),
    include: (rel) => !isSecretPath(rel) || (skipped.push(rel), false),
  });
  for (const rel of skipped) reporter.event('skipped', { path: `${folder}/${rel}`, reason: 'looks like a secret; STA never shares those' });
  await engine.seed(folder, { meta, verify: false, catalogPath: basename(folder) });
  reporter.event('sharing', { path: folder, name: meta.name, infoHash: meta.infoHashHex, length: meta.length, files: meta.files.length });
}
