// A magnet link → its torrent. An STA tracker's catalog answers at once (GET /catalog/<hash>.torrent,
// checked against the info-hash); any other tracker (opentracker, a public one), a catalog that does
// not have it, or one that cannot be reached sends us to the peers themselves (BEP 9 metadata exchange).
import { redact } from '../format';
import type { Logger } from '../log';
import { Magnet, Metainfo, parseMagnet } from '../metainfo';
import { fetchMetainfo } from '../trackerClient/catalogClient';
import type { PeerAddress } from '../trackerClient/peers';
import { TrackerError } from '../trackerClient/trackerError';
import { teamKeyOf } from '../trackerClient/urls';
import { fetchMetadata, MetadataError } from './metadataFetcher';

export interface ResolveMagnetOptions {
  /** trackers the user named (--tracker): asked before the link's own `tr=` */
  trackers?: string[];
  /** where to accept peers while fetching from them */
  host?: string;
  localAddress?: string;
  /** how long to wait for peers' metadata; default DEFAULT_METADATA_TIMEOUT_MS */
  timeoutMs?: number;
  log?: Logger;
  signal?: AbortSignal;
}

export interface ResolvedMagnet {
  meta: Metainfo;
  /** `catalog`: an STA tracker sent the .torrent; `peers`: BEP 9 from the swarm */
  source: 'catalog' | 'peers';
  /** the tracker whose catalog answered */
  tracker?: string;
  /** peers that offered the metadata (source `peers`) */
  peers: PeerAddress[];
}

/** catalogs asked before going to the peers: each is one quick request (a standard tracker answers 404) */
const MAX_CATALOGS = 4;

export async function resolveMagnet(link: string | Magnet, opts: ResolveMagnetOptions = {}): Promise<ResolvedMagnet> {
  const m = typeof link === 'string' ? parseMagnet(link) : link;
  const trackers = [...new Set([...(opts.trackers ?? []), ...m.trackers])];
  if (trackers.length === 0) throw new MetadataError('this magnet link names no tracker; pass --tracker URL (STA runs no DHT)');
  // messages name URLs: a team key must not leave in them
  const keys = trackers.map(teamKeyOf).filter((k): k is string => k !== undefined);
  const misses: string[] = [];
  for (const tracker of trackers.slice(0, MAX_CATALOGS)) {
    opts.signal?.throwIfAborted();
    try {
      return { meta: await fetchMetainfo(tracker, m.infoHashHex), source: 'catalog', tracker, peers: [] };
    } catch (e) {
      // a catalog that answers with something else than the torrent asked for is broken or lying: said, not papered over
      if (!(e instanceof TrackerError) || e.kind === 'malformed') throw e;
      misses.push(redact(e.message, keys));
      opts.log?.debug(`magnet ${m.infoHashHex}: no .torrent from a catalog: ${redact(e.message, keys)}`);
    }
  }
  const infoHash = Buffer.from(m.infoHashHex, 'hex');
  try {
    const { meta, peers } = await fetchMetadata({ ...opts, infoHash, trackers });
    return { meta, source: 'peers', peers };
  } catch (e) {
    if (!(e instanceof MetadataError)) throw e;
    throw new MetadataError(`${e.message}; no STA catalog had it either (${misses.join('; ')})`);
  }
}
