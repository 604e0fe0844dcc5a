// Before STA starts: is anybody at the tracker URL, and does it keep STA's catalog?
import { fetchCatalog, TrackerError } from '../../core/api';

/** A tracker that does not answer within this is taken as unreachable. */
const PROBE_TIMEOUT_MS = 4000;

/** Nobody answered at all (as opposed to a tracker that answered something unexpected). */
export function isUnreachable(e: unknown): boolean {
  return !(e instanceof TrackerError) || e.kind === 'unreachable' || e.kind === 'timeout';
}

/** A plain BitTorrent tracker answers 404 to STA's catalog routes. */
export function isWithoutCatalog(e: unknown): boolean {
  return e instanceof TrackerError && e.kind === 'http' && e.status === 404;
}

/** A keyed tracker answers 403 to whoever lacks (or has a wrong) team key. */
export function needsTeamKey(e: unknown): boolean {
  return e instanceof TrackerError && e.kind === 'http' && e.status === 403;
}

/** Resolves with whether the tracker keeps STA's catalog; rejects when nobody answers or it wants a team key. */
export async function probeTracker(announceUrl: string): Promise<{ hasCatalog: boolean }> {
  try {
    await fetchCatalog(announceUrl, PROBE_TIMEOUT_MS);
    return { hasCatalog: true };
  } catch (e) {
    if (isUnreachable(e) || needsTeamKey(e)) throw e;
    return { hasCatalog: false };
  }
}
