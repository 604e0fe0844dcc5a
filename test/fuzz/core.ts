// What the runner gives a target, and what a target gives the runner.
import type { Engine } from './inproc';
import type { Env } from './live';

export type FindingKind = 'crash' | 'hang' | 'probe' | 'growth' | 'exception' | 'wrong-bytes' | 'http-5xx' | 'disagree' | 'protocol' | 'internal-error';

export interface Finding {
  target: string;
  kind: FindingKind;
  message: string;
  /** first input to replay (a connection's first input, or a batch's) */
  from: number;
  count: number;
  /** the input that showed it, when known */
  index?: number;
  detail?: string;
  /** the input's bytes (printed in short; written out with --dump DIR) */
  input?: Buffer;
}

export interface TargetStats {
  inputs: number;
  connections: number;
  crashes: number;
  hangs: number;
  probeFailures: number;
  otherFailures: number;
  ms: number;
  /** target-specific counters (accepted, refused, blocks verified…) */
  notes: Record<string, number>;
}

export interface Ctx {
  seed: number;
  /** the live tracker and seeder (replaced after a crash) */
  env: () => Env;
  eng: Engine;
  /** ms since epoch: stop taking inputs after this */
  deadline: number;
  stats: TargetStats;
  report: (f: Omit<Finding, 'target'>) => void;
  /** a worker's replay span: the first input its current connection carried, and the latest one */
  span: (worker: number, start: number | undefined, current?: number) => void;
  verbose: boolean;
}

export interface Target {
  name: string;
  /** runs inputs [from, to); stops early at ctx.deadline; returns how many ran */
  runBatch: (ctx: Ctx, from: number, to: number) => Promise<number>;
  setup?: (ctx: Ctx) => Promise<void>;
  teardown?: () => Promise<void>;
}

export function note(ctx: Ctx, key: string, n = 1): void {
  ctx.stats.notes[key] = (ctx.stats.notes[key] ?? 0) + n;
}

/** Runs `work(i, worker)` for i in [from, to) on `workers` parallel workers; respects the deadline. */
export async function pool(ctx: Ctx, from: number, to: number, workers: number, work: (i: number, worker: number) => Promise<void>): Promise<number> {
  let next = from;
  let ran = 0;
  const one = async (w: number) => {
    while (next < to && Date.now() < ctx.deadline) {
      const i = next++;
      ctx.span(w, i, i);
      await work(i, w);
      ran++;
      ctx.span(w, undefined);
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => one(w)));
  return ran;
}

/** Promise with a deadline; resolves `onTimeout` when it passes. */
export function within<T>(p: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(onTimeout), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export const TIMED_OUT = Symbol('timed out');
