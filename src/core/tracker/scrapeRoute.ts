// GET /scrape (BEP 48): seeders, finished downloads and leechers of the swarms asked about.
import { encode } from '../bencode';
import { AnswerCache } from './answerCache';
import { parseQuery, QueryError } from './query';
import { SwarmTable } from './swarmTable';

/** most info_hash values in one scrape */
export const DEFAULT_MAX_SCRAPE = 64;
/** most swarms in a full scrape (one naming no info_hash) */
const FULL_SCRAPE_SWARMS = 1000;

/** The bencoded answer to the scrape `query`; a full scrape comes from `full`. Throws QueryError for a bad one. */
export function scrapeAnswer(swarms: SwarmTable, query: string, maxScrape: number, full: AnswerCache): Buffer {
  const params = parseQuery(query, maxScrape + 10);
  const hashes = params.get('info_hash') ?? [];
  if (hashes.length > maxScrape) throw new QueryError(`more than ${maxScrape} info_hash values in one scrape`);
  if (hashes.length === 0) return full.current();
  const hexes = hashes.map((h) => {
    if (h.length !== 20) throw new QueryError(`info_hash is ${h.length} bytes, not 20`);
    return h.toString('hex');
  });
  return scrapeBody(swarms, hexes);
}

/** The full scrape: the first FULL_SCRAPE_SWARMS swarms. */
export function fullScrape(swarms: SwarmTable): Buffer {
  const hexes: string[] = [];
  for (const hex of swarms.keys()) {
    if (hexes.length >= FULL_SCRAPE_SWARMS) break;
    hexes.push(hex);
  }
  return scrapeBody(swarms, hexes);
}

function scrapeBody(swarms: SwarmTable, hexes: string[]): Buffer {
  const files = new Map<string, Buffer>();
  for (const hex of hexes) {
    const s = swarms.get(hex);
    files.set(hex, encode({ complete: s?.seeders ?? 0, downloaded: s?.completed ?? 0, incomplete: s?.leechers ?? 0 }));
  }
  // keys are raw 20-byte info-hashes, sorted as bytes (hex order is byte order)
  const parts: Buffer[] = [Buffer.from('d5:filesd')];
  for (const hex of [...files.keys()].sort()) parts.push(Buffer.from('20:'), Buffer.from(hex, 'hex'), files.get(hex)!);
  parts.push(Buffer.from('ee'));
  return Buffer.concat(parts);
}
