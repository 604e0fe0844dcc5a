// POST /announce-seeds (STA's own): one request announces many complete torrents of one peer,
// each exactly as a `left=0` GET /announce of that peer would, so a peer seeding 10,000 files
// costs one request per interval instead of 10,000. The answer names the info-hashes the catalog
// does not list (their seeders republish them), those not taken this time, and those with leechers;
// it carries no peers.
import { IncomingMessage, ServerResponse } from 'node:http';
import { encode } from '../bencode';
import { MAX_SEEDS_PER_ANNOUNCE, SEEDS_LATER_KEY, SEEDS_UNKNOWN_KEY, SEEDS_WANTED_KEY } from '../catalogWire';
import { announcedAddress, AnnounceRules } from './announceRoute';
import { AddressRate } from './addressRate';
import { Catalog } from './catalog';
import { unmapped } from './compactAddress';
import { HttpError } from './httpError';
import { one, parseQuery, peerParams, QueryError } from './query';
import { sendBytes } from './replies';
import { LateFailure, readBody } from './requestBody';
import { SwarmEvent } from './swarm';
import { SwarmTable } from './swarmTable';

const HASH = 20;
const MAX_BODY = MAX_SEEDS_PER_ANNOUNCE * HASH;
const EVENTS: readonly string[] = ['', 'started', 'completed', 'stopped'] satisfies SwarmEvent[];
const RATE_LIMITED = new HttpError(429, 'too many announces from your address: try again in a few seconds');

/** Who announces: the same fields as a GET /announce, less the torrent and `left` (0 for every one). */
interface SeedsAnnounce {
  key: string;
  port: number;
  event: SwarmEvent;
  ip: string;
  source: string;
}

export class SeedsRoute {
  constructor(
    private readonly swarms: SwarmTable,
    private readonly catalog: Catalog,
    private readonly rules: AnnounceRules,
    /** the announce route's: a seeds announce is one announce for the rate */
    private readonly rate: AddressRate,
    private readonly fail: LateFailure,
  ) {}

  /** Answers the request, or throws HttpError / QueryError for one it refuses before reading the body. */
  handle(req: IncomingMessage, res: ServerResponse, query: string): void {
    if (req.method !== 'POST') throw new HttpError(405, 'announce-seeds takes POST, with the 20-byte info-hashes as its body');
    const a = parseSeedsQuery(unmapped(req.socket.remoteAddress ?? ''), query, this.rules.trustIpParam);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > MAX_BODY) throw new HttpError(413, `at most ${MAX_SEEDS_PER_ANNOUNCE} info-hashes in one seeds announce`);
    if (!this.rate.take(a.source, Date.now())) throw RATE_LIMITED;
    const tooBig = `at most ${MAX_SEEDS_PER_ANNOUNCE} info-hashes in one seeds announce`;
    readBody(req, res, MAX_BODY, tooBig, this.fail, (body) => sendBytes(res, 200, this.apply(a, body, Date.now())));
  }

  /** Announces every info-hash in `body` for the peer; the bencoded answer. */
  apply(a: SeedsAnnounce, body: Buffer, now: number): Buffer {
    if (body.length % HASH !== 0) throw new QueryError(`the body is ${body.length} bytes, not a whole number of 20-byte info-hashes`);
    const n = body.length / HASH;
    const hexes = new Array<string>(n);
    for (let i = 0; i < n; i++) hexes[i] = body.toString('hex', i * HASH, (i + 1) * HASH);
    const unknown: number[] = [];
    const later: number[] = [];
    const wanted: number[] = [];
    if (a.event === 'stopped') {
      for (const hex of hexes) this.stop(a, hex, now);
    } else {
      // A new entry costs one announce of the address's rate, as it would through GET /announce:
      // one address cannot fill the tracker's peer table faster in batches than one by one. Its
      // own publications are free: the per-address catalog cap already bounds them, and a
      // workspace of 10,000 files must be findable seconds after it is published.
      let needed = 0;
      for (const hex of hexes) if (this.costsToken(a, hex)) needed++;
      let granted = needed === 0 ? 0 : this.rate.takeUpTo(a.source, now, needed);
      for (let i = 0; i < n; i++) {
        const hex = hexes[i];
        const listed = this.catalog.has(hex);
        if (!listed) unknown.push(i);
        // a torrent nobody published and nobody announced gets no swarm from a batch: the
        // seeder republishes it first (it is `unknown`), then announces it again
        if (!listed && this.swarms.get(hex) === undefined) continue;
        if (this.costsToken(a, hex)) {
          if (granted === 0) {
            later.push(i);
            continue;
          }
          granted--;
        }
        const swarm = this.swarms.getOrCreate(hex);
        // no room for the swarm or the peer: as GET /announce's 503, try again later
        if (swarm === undefined || swarm.announce(a.event, 0, a.key, a.ip, a.port, now, a.source) === undefined) later.push(i);
        else if (swarm.leechers > 0) wanted.push(i);
      }
    }
    return encode({
      interval: this.rules.interval,
      'min interval': this.rules.minInterval,
      [SEEDS_UNKNOWN_KEY]: pick(body, unknown),
      [SEEDS_LATER_KEY]: pick(body, later),
      [SEEDS_WANTED_KEY]: pick(body, wanted),
    });
  }

  /** The announce would add the peer to the torrent's swarm (made for it if the catalog lists it). */
  private isNewEntry(a: SeedsAnnounce, hex: string): boolean {
    const swarm = this.swarms.get(hex);
    return swarm === undefined ? this.catalog.has(hex) : !swarm.has(a.key);
  }

  /** A new entry for a torrent someone else published. */
  private costsToken(a: SeedsAnnounce, hex: string): boolean {
    return this.isNewEntry(a, hex) && this.catalog.get(hex)?.publisher !== a.source;
  }

  /** `stopped` for one torrent, as GET /announce: the last seeder leaving takes the catalog entry with it. */
  private stop(a: SeedsAnnounce, hex: string, now: number): void {
    const swarm = this.swarms.get(hex);
    if (!swarm) return;
    const seedersBefore = swarm.seeders;
    swarm.announce('stopped', 0, a.key, a.ip, a.port, now, a.source);
    if (seedersBefore > 0 && swarm.seeders === 0) this.catalog.remove(hex);
  }
}

/** peer_id, port, event, and ip where it is trusted; `key`, `uploaded`, `downloaded` are read as /announce reads them. */
function parseSeedsQuery(source: string, query: string, trustIpParam: boolean): SeedsAnnounce {
  const params = parseQuery(query);
  const { peerId, port, left } = peerParams(params);
  if ((left ?? 0) !== 0) throw new QueryError('a seeds announce is for complete torrents: left must be 0 (or left out)');
  if (params.has('info_hash')) throw new QueryError('a seeds announce carries its info-hashes in the body, not as info_hash');
  const event = one(params, 'event')?.toString('latin1') ?? '';
  if (!EVENTS.includes(event)) throw new QueryError(`unknown event "${event.slice(0, 20)}" for a seeds announce`);
  one(params, 'key');
  const ip = announcedAddress(source, params, trustIpParam);
  return { key: peerId.toString('latin1'), port, event: event as SwarmEvent, ip, source };
}

/** The info-hashes at `indexes` of `body`, concatenated. */
function pick(body: Buffer, indexes: number[]): Buffer {
  const out = Buffer.allocUnsafe(indexes.length * HASH);
  indexes.forEach((i, k) => body.copy(out, k * HASH, i * HASH, (i + 1) * HASH));
  return out;
}
