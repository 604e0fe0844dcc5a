// The engine modules the in-process targets call. Types come from this tree; the code is loaded
// from STA_SRC (default: this tree's src/), so the fuzzer can run against another checkout.
// Only the stable parsers are used: bencode, metainfo, and the tracker client's announce/parsePeers.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as BencodeModule from '../../src/core/bencode';
import type * as MetainfoModule from '../../src/core/metainfo';
import type * as AnnounceModule from '../../src/core/trackerClient/announce';
import type * as PeersModule from '../../src/core/trackerClient/peers';

export const SRC = resolve(process.env.STA_SRC ?? join(__dirname, '../../src'));

const loaded: string[] = [];

function load<T>(...candidates: string[]): T {
  for (const c of candidates) {
    const p = join(SRC, c);
    if (existsSync(p + '.ts')) {
      loaded.push(p);
      return require(p) as T;
    }
  }
  throw new Error(`none of ${candidates.join(', ')} under ${SRC}`);
}

export interface Engine {
  bencode: typeof BencodeModule;
  metainfo: typeof MetainfoModule;
  announce: typeof AnnounceModule.announce;
  parsePeers: typeof PeersModule.parsePeers;
  /** the class announce() and parsePeers() are meant to throw */
  TrackerError: new (...a: any[]) => Error;
  paths: string[];
}

export function loadEngine(): Engine {
  const bencode = load<typeof BencodeModule>('core/bencode');
  const metainfo = load<typeof MetainfoModule>('core/metainfo');
  // after the refactor: core/trackerClient/{announce,peers,trackerError}; before: core/tracker/client
  const ann = load<typeof AnnounceModule>('core/trackerClient/announce', 'core/tracker/client');
  const peers = load<typeof PeersModule>('core/trackerClient/peers', 'core/tracker/client');
  const te = load<{ TrackerError: new (...a: any[]) => Error }>('core/trackerClient/trackerError', 'core/tracker/client');
  return {
    bencode,
    metainfo,
    announce: ann.announce,
    parsePeers: peers.parsePeers,
    TrackerError: te.TrackerError,
    paths: [...new Set(loaded)],
  };
}
