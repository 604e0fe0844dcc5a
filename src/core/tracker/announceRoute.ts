// GET /announce (BEP 3, BEP 23 compact, BEP 7 peers6): parses the query, hands the announce to
// its swarm, and answers with the swarm's counts and a sample of its peers.
import { isIP } from 'node:net';
import { encode } from '../bencode';
import { STA_CATALOG_KEY } from '../catalogWire';
import { AddressRate } from './addressRate';
import { Catalog } from './catalog';
import { unmapped } from './compactAddress';
import { compactAnnounceBody } from './compactAnswer';
import { HttpError } from './httpError';
import { intParam, one, parseQuery, peerParams, QueryError } from './query';
import { CompactCounts, isSwarmEvent, Swarm } from './swarm';
import { SwarmTable } from './swarmTable';

/** seconds between announces the tracker asks for */
export const DEFAULT_INTERVAL = 60;
/** most peers in one answer: `numwant` is capped to it */
export const DEFAULT_MAX_PEERS = 200;
/** peers in an answer when the announce does not say (`numwant`) */
export const DEFAULT_NUMWANT = 50;

// refusals a flood meets again and again: made once, since an Error captures a stack when made
const RATE_LIMITED = new HttpError(429, 'too many announces from your address: try again in a few seconds');
const TOO_MANY_SWARMS = new HttpError(503, 'this tracker tracks as many torrents as it can: try again later');
const SWARM_FULL = new HttpError(503, 'this torrent has as many peers as the tracker keeps: try again later');

export interface AnnounceRules {
  interval: number;
  minInterval: number;
  /** honour the `ip` parameter (lets anyone point a swarm anywhere) */
  trustIpParam: boolean;
  maxPeers: number;
  defaultNumwant: number;
  /** announces per second from one address (0: no limit), and how many may come at once */
  announceRate: number;
  announceBurst: number;
}

export class AnnounceRoute {
  // scratch space for the compact peer lists, grown to the largest numwant seen
  private compact4 = Buffer.alloc(6 * DEFAULT_MAX_PEERS);
  private compact6 = Buffer.alloc(18 * DEFAULT_MAX_PEERS);
  private readonly compactGot: CompactCounts = { v4: 0, v6: 0 };
  /** announces per source address; a seeds announce takes its tokens here too */
  readonly rate: AddressRate;

  constructor(
    private readonly swarms: SwarmTable,
    private readonly catalog: Catalog,
    private readonly rules: AnnounceRules,
  ) {
    this.rate = new AddressRate(rules.announceRate, rules.announceBurst);
  }

  /** The bencoded answer to the announce `query` that came from `remote`; throws QueryError for a bad one. */
  answer(remote: string | undefined, query: string): Buffer {
    const params = parseQuery(query);
    const infoHash = one(params, 'info_hash');
    if (!infoHash) throw new QueryError('info_hash is missing');
    if (infoHash.length !== 20) throw new QueryError(`info_hash is ${infoHash.length} bytes, not 20`);
    const { peerId, port, left } = peerParams(params);
    const event = one(params, 'event')?.toString('latin1') ?? '';
    if (!isSwarmEvent(event)) throw new QueryError(`unknown event "${event.slice(0, 20)}"`);
    const numwant = Math.min(intParam(params, 'numwant', 1e6) ?? this.rules.defaultNumwant, this.rules.maxPeers);
    const compact = one(params, 'compact')?.toString('latin1') !== '0';
    one(params, 'no_peer_id'); // moot (peer ids are never sent), but given twice it is as wrong as any other
    const source = unmapped(remote ?? '');
    const ip = announcedAddress(source, params, this.rules.trustIpParam);
    const now = Date.now();
    if (!this.rate.take(source, now)) throw RATE_LIMITED;

    const hex = infoHash.toString('hex');
    const key = peerId.toString('latin1');
    const stopped = event === 'stopped';
    // a stopped peer of an unknown torrent does not make a swarm for it
    const swarm = stopped ? this.swarms.get(hex) : this.swarms.getOrCreate(hex);
    if (!swarm && !stopped) throw TOO_MANY_SWARMS;
    const seedersBefore = swarm?.seeders ?? 0;
    const seeder = swarm ? swarm.announce(event, left, key, ip, port, now, source) : left === 0;
    if (seeder === undefined) throw SWARM_FULL;
    // the last seeder leaving takes the catalog entry with it; a leecher leaving does not
    // (a fresh entry whose seeder has not announced yet waits for the sweep)
    if (stopped && seedersBefore > 0 && swarm!.seeders === 0) this.catalog.remove(hex);

    // A seeder has no use for other seeders, but a client fetching a magnet link's metadata
    // announces left=0 as well (aria2c does) and needs them: seeders are left out of a
    // seeder's answer only when there are leechers enough to fill it.
    const skipSeeders = seeder && swarm !== undefined && swarm.leechers >= numwant;
    if (compact) return this.compactAnswer(swarm, stopped ? 0 : numwant, key, skipSeeders, hex);
    const peers = stopped || !swarm ? [] : swarm.sample(numwant, key, skipSeeders);
    return encode({
      complete: swarm?.seeders ?? 0,
      incomplete: swarm?.leechers ?? 0,
      interval: this.rules.interval,
      'min interval': this.rules.minInterval,
      // STA peers republish their .torrent when the tracker does not know it (e.g. after a restart)
      [STA_CATALOG_KEY]: this.catalog.has(hex) ? 1 : 0,
      // never the peer id: it is what lets a peer's announces change its entry
      peers: peers.map((p) => ({ ip: p.ip, port: p.port })),
    });
  }

  /** The compact announce answer (the common case), built without intermediate objects. */
  private compactAnswer(swarm: Swarm | undefined, numwant: number, key: string, seeder: boolean, hex: string): Buffer {
    if (this.compact4.length < 6 * numwant) {
      this.compact4 = Buffer.alloc(6 * numwant);
      this.compact6 = Buffer.alloc(18 * numwant);
    }
    const got = this.compactGot;
    if (swarm) swarm.sampleCompact(numwant, key, seeder, this.compact4, this.compact6, got);
    else got.v4 = got.v6 = 0;
    return compactAnnounceBody({
      complete: swarm?.seeders ?? 0,
      incomplete: swarm?.leechers ?? 0,
      interval: this.rules.interval,
      minInterval: this.rules.minInterval,
      staCatalog: this.catalog.has(hex) ? 1 : 0,
      v4: this.compact4,
      v4Bytes: got.v4,
      v6: this.compact6,
      v6Bytes: got.v6,
    });
  }
}

/** The address handed out for a peer: where it announced from, or its `ip` parameter when trusted. */
export function announcedAddress(source: string, params: Map<string, Buffer[]>, trustIpParam: boolean): string {
  if (!trustIpParam) return source;
  const given = one(params, 'ip')?.toString('latin1');
  if (!given) return source;
  if (!isIP(given)) throw new QueryError('ip is not an IP address');
  return unmapped(given);
}
