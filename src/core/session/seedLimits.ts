// When a finished download stops seeding (aria2c's --seed-ratio and --seed-time): once it has uploaded
// `ratio` times its size, or after `minutes` of seeding. The CLI (`sta get --seed`) and the extension
// (a finished download's row) both use this; files a user shares from a folder have no such limit.
import type { SessionProgress, SessionState } from './sessionTypes';

export interface SeedLimits {
  /** stop once uploaded ÷ size reaches this (0: at once, do not seed); absent: no ratio limit */
  ratio?: number;
  /** stop after this many minutes spent seeding (paused time does not count); absent: no time limit */
  minutes?: number;
}

export interface SeedingStopped {
  reason: 'ratio' | 'time';
  /** uploaded ÷ size when seeding stopped */
  ratio: number;
  /** seconds spent seeding */
  seconds: number;
  /** what the user reads: "ratio 2.0 reached", "seeding time 30 min reached" */
  text: string;
}

/** What the limits read of a session. */
export interface SeededSession {
  readonly state: SessionState;
  progress(): Pick<SessionProgress, 'uploaded' | 'length'>;
}

/** how often a seeding session is looked at */
export const SEED_CHECK_MS = 1000;

/** true when `limits` can ever stop seeding */
export function hasSeedLimit(limits: SeedLimits): boolean {
  return limits.ratio !== undefined || limits.minutes !== undefined;
}

const minutesText = (m: number) => (Number.isInteger(m) ? `${m}` : m.toFixed(1));

/** The limit `limits` says was reached after `seconds` of seeding with `ratio` uploaded, if any (the ratio first). */
export function seedLimitReached(limits: SeedLimits, ratio: number, seconds: number): SeedingStopped | undefined {
  if (limits.ratio !== undefined && ratio >= limits.ratio) {
    return { reason: 'ratio', ratio, seconds, text: `ratio ${limits.ratio.toFixed(1)} reached` };
  }
  if (limits.minutes !== undefined && seconds >= limits.minutes * 60) {
    return { reason: 'time', ratio, seconds, text: `seeding time ${minutesText(limits.minutes)} min reached` };
  }
  return undefined;
}

/**
 * Watches `session` while it seeds and calls `reached` once, when a limit is met; the caller stops the
 * session (the file stays). Time counts only while the session is in state `seeding`. `limitsNow` may be
 * a function, asked at every check (settings that change while it seeds). Returns a function that stops
 * watching. Fixed limits that are none: nothing is watched.
 */
export function watchSeedLimits(
  session: SeededSession,
  limitsNow: SeedLimits | (() => SeedLimits),
  reached: (stopped: SeedingStopped) => void,
  everyMs = SEED_CHECK_MS,
): () => void {
  const current = typeof limitsNow === 'function' ? limitsNow : () => limitsNow;
  if (typeof limitsNow !== 'function' && !hasSeedLimit(limitsNow)) return () => undefined;
  let seededMs = 0;
  let last = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const check = () => {
    timer = undefined;
    if (done) return;
    const now = Date.now();
    const seeding = session.state === 'seeding';
    if (seeding) seededMs += now - last;
    last = now;
    const limits = current();
    if (seeding) {
      const { uploaded, length } = session.progress();
      const stopped = seedLimitReached(limits, length > 0 ? uploaded / length : Infinity, seededMs / 1000);
      if (stopped) {
        done = true;
        return reached(stopped);
      }
    }
    // wake at the time limit itself rather than up to `everyMs` after it
    const untilTime = limits.minutes !== undefined && seeding ? limits.minutes * 60_000 - seededMs : Infinity;
    timer = setTimeout(check, Math.max(1, Math.min(everyMs, untilTime)));
    timer.unref?.();
  };
  check();
  return () => {
    done = true;
    if (timer) clearTimeout(timer);
  };
}
