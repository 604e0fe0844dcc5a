// `npm run fuzz`: mutation fuzzing of STA's wire frames, handshakes, .torrent files (single and
// multi-file), bencoded bodies, tracker requests (batch routes too) and BEP 10/9 extension
// messages, against a live `sta tracker` and `sta share` (dist/cli.js, or
// STA_CLI) and the in-process parsers. Bounded in inputs and seconds, seeded, reproducible:
//   npm run fuzz -- --seed S --targets T --from I --count N
// After every batch: both processes alive, an honest announce and an honest download probe
// pass, RSS under start + --rss-mb. Exit 1 on any finding, with the line that replays it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Ctx, Finding, Target, TargetStats } from './core';
import { Engine, loadEngine } from './inproc';
import { Env, probeSeeder, probeTracker, startEnv } from './live';
import { Rng } from './rng';
import { bencodeTarget } from './targets/bencode';
import { torrentTarget } from './targets/torrent';
import { trackerTarget } from './targets/tracker';
import { handshakeTarget, wireTarget } from './targets/wire';
import { multifileTarget } from './targets/multifile';
import { trackerPostTarget } from './targets/trackerPost';
import { extendedTarget } from './targets/extended';
import { metadataTarget } from './targets/metadata';

const ALL: Target[] = [wireTarget, handshakeTarget, torrentTarget, bencodeTarget, trackerTarget, multifileTarget, trackerPostTarget, extendedTarget, metadataTarget];
const USAGE = `usage: npm run fuzz -- [--seed N] [--count N] [--seconds N] [--targets ${ALL.map((t) => t.name).join(',')}]
                     [--from I] [--batch N] [--rss-mb N] [--quick] [--verbose] [--cli PATH]

  --seed N       PRNG seed (default: random, printed)           --count N    inputs in all (split over targets)
  --seconds N    time bound for the whole run                   --targets    comma-separated subset
  --from I       first input index of each target (replay)      --batch N    inputs between invariant checks
  --rss-mb N     allowed RSS growth per process over its start  --quick      the CI pass: ~3,000 inputs, ~30 s
  --dump DIR     write the bytes of each failing input to DIR
  --cli PATH     the sta CLI to run (default: $STA_CLI or dist/cli.js); in-process code from $STA_SRC or src/
  --inject crash|hang   self-test: kill (or SIGSTOP) a live process after the first batch; the run must fail`;

interface Options {
  seed: number;
  count: number;
  seconds: number;
  targets: Target[];
  from: number;
  batch: number;
  rssMb: number;
  cli: string;
  verbose: boolean;
  inject?: 'crash' | 'hang';
  quick: boolean;
  dump?: string;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      count: { type: 'string' },
      seconds: { type: 'string' },
      targets: { type: 'string' },
      from: { type: 'string' },
      batch: { type: 'string' },
      'rss-mb': { type: 'string' },
      quick: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      cli: { type: 'string' },
      dump: { type: 'string' },
      inject: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (v: string | undefined, d: number, name: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const quick = values.quick!;
  const names = (values.targets ?? ALL.map((t) => t.name).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const targets = names.map((n) => {
    const t = ALL.find((x) => x.name === n);
    if (!t) throw new Error(`unknown target ${n} (targets: ${ALL.map((x) => x.name).join(', ')})`);
    return t;
  });
  if (values.inject && values.inject !== 'crash' && values.inject !== 'hang') throw new Error('--inject is crash or hang');
  return {
    seed: int(values.seed, Math.floor(Math.random() * 2 ** 31), 'seed'),
    count: int(values.count, quick ? 8000 : 100_000, 'count'),
    seconds: int(values.seconds, quick ? 30 : 600, 'seconds'),
    targets,
    from: int(values.from, 0, 'from'),
    batch: Math.max(1, int(values.batch, quick ? 200 : 400, 'batch')),
    rssMb: int(values['rss-mb'], 150, 'rss-mb'),
    cli: resolve(values.cli ?? process.env.STA_CLI ?? join(__dirname, '../../dist/cli.js')),
    verbose: values.verbose!,
    inject: values.inject as Options['inject'],
    quick,
    dump: values.dump ? resolve(values.dump) : undefined,
  };
}

interface ProcTrack {
  name: string;
  baseline: number;
  max: number;
  last: number;
  maxFds: number;
  samples: number[];
  restarts: number;
}

const newStats = (): TargetStats => ({ inputs: 0, connections: 0, crashes: 0, hangs: 0, probeFailures: 0, otherFailures: 0, ms: 0, notes: {} });

async function main(): Promise<number> {
  let o: Options;
  try {
    o = options(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const started = Date.now();
  const hardDeadline = started + o.seconds * 1000;
  const tmp = mkdtempSync(join(tmpdir(), 'sta-fuzz-'));
  const findings: Finding[] = [];
  const seen = new Map<string, Finding & { times: number }>();
  const stats = new Map<string, TargetStats>(o.targets.map((t) => [t.name, newStats()]));
  const tracks = new Map<string, ProcTrack>();
  let env: Env | undefined;
  let generation = 0;
  let stopping = false;

  console.log(
    `STA fuzz: seed ${o.seed}, targets ${o.targets.map((t) => t.name).join(',')}, ${o.count} inputs from #${o.from}, ` +
      `≤ ${o.seconds} s, batch ${o.batch}, RSS bound start + ${o.rssMb} MB`,
  );
  console.log(`  cli ${o.cli}`);
  const eng: Engine = loadEngine();
  if (o.verbose) console.log(`  in-process: ${eng.paths.join(', ')}`);

  const watchdog = setTimeout(() => {
    console.error(`watchdog: the fuzzer ran ${o.seconds + 120} s, past its bound; stopping`);
    void (env?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
  }, (o.seconds + 120) * 1000);

  let current: { target: string; from: number; to: number; spans: Map<number, { start: number; current: number }> } | undefined;
  const replayRange = (): { from: number; count: number } => {
    if (!current) return { from: o.from, count: 1 };
    const spans = [...current.spans.values()];
    if (spans.length === 0) return { from: current.from, count: Math.max(1, current.to - current.from) };
    const from = Math.min(...spans.map((s) => s.start));
    const to = Math.max(...spans.map((s) => s.current));
    return { from, count: to - from + 1 };
  };

  const report = (target: string, f: Omit<Finding, 'target'>) => {
    const full: Finding = { target, ...f };
    const st = stats.get(target);
    if (st) {
      if (f.kind === 'crash') st.crashes++;
      else if (f.kind === 'hang') st.hangs++;
      else if (f.kind === 'probe') st.probeFailures++;
      else st.otherFailures++;
    }
    const sig = signature(target, f.kind, f.message);
    const prior = seen.get(sig);
    if (prior) {
      prior.times++;
      return;
    }
    seen.set(sig, { ...full, times: 1 });
    findings.push(full);
    console.log(`\nFAIL [${target}] ${f.kind}${f.index !== undefined ? ` at input #${f.index}` : ''}: ${f.message}`);
    if (f.detail) console.log(f.detail.split('\n').slice(0, 14).map((l) => '    ' + l).join('\n'));
    if (f.input) {
      console.log(`    input (${f.input.length} bytes): ${JSON.stringify(f.input.subarray(0, 240).toString('latin1'))}${f.input.length > 240 ? '…' : ''}`);
      if (o.dump) {
        mkdirSync(o.dump, { recursive: true });
        const file = join(o.dump, `${target}-seed${o.seed}-${f.index ?? f.from}.bin`);
        writeFileSync(file, f.input);
        console.log(`    written to ${file}`);
      }
    }
    console.log(`  reproduce: npm run fuzz -- --seed ${o.seed} --targets ${target} --from ${f.from} --count ${f.count}`);
    if (findings.length >= 25) stopping = true;
  };

  const watchProcs = (e: Env) => {
    for (const p of e.procs()) {
      p.onExit(() => {
        if (e.stopping || !current) return;
        const r = replayRange();
        report(current.target, {
          kind: 'crash',
          message:
            `${p.name} (pid ${p.pid}) exited with ${p.exited?.code ?? p.exited?.signal}` +
            ` while inputs #${r.from}..#${r.from + r.count - 1} were in flight`,
          ...r,
          detail: p.stderrTail().slice(-3000),
        });
      });
    }
  };

  const sampleProcs = (e: Env): string[] => {
    const problems: string[] = [];
    for (const p of e.procs()) {
      const rss = p.rssMb();
      const fds = p.fds() ?? 0;
      let t = tracks.get(p.name);
      if (!t) tracks.set(p.name, (t = { name: p.name, baseline: rss ?? 0, max: 0, last: 0, maxFds: 0, samples: [], restarts: 0 }));
      if (rss === undefined) continue;
      if (t.baseline === 0) t.baseline = rss;
      t.last = rss;
      t.max = Math.max(t.max, rss);
      t.maxFds = Math.max(t.maxFds, fds);
      t.samples.push(rss);
      if (rss > t.baseline + o.rssMb) {
        problems.push(`${p.name} RSS ${rss} MB is over its start ${t.baseline} MB + ${o.rssMb} MB (trajectory ${trajectory(t.samples)})`);
      }
      if (fds > 1000) problems.push(`${p.name} holds ${fds} open files`);
    }
    return problems;
  };

  const startLive = async () => {
    const e = await startEnv(o.cli, tmp, o.seed, generation++);
    watchProcs(e);
    // warm up: the first probes also set the RSS baselines
    const rng = new Rng(o.seed, 'warmup', generation);
    const t = await probeTracker(e, rng, 3000);
    const s = await probeSeeder(e, rng, 10_000);
    if (t || s) throw new Error(`the live programs fail their probes before any fuzzing: ${t ?? ''} ${s ?? ''}`);
    for (const p of e.procs()) {
      const tr = tracks.get(p.name);
      if (tr) {
        tr.baseline = p.rssMb() ?? tr.baseline;
        tr.restarts++;
      }
    }
    sampleProcs(e);
    return e;
  };

  const onUncaught = (err: unknown) => {
    const r = replayRange();
    const message = `uncaught in the fuzzer process: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
    report(current?.target ?? 'fuzzer', { kind: 'exception', message, ...r, detail: (err as Error)?.stack });
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode = 0;
  try {
    env = await startLive();
    let injected = false;
    for (const [k, target] of o.targets.entries()) {
      if (stopping || Date.now() >= hardDeadline) break;
      const st = stats.get(target.name)!;
      const t0 = Date.now();
      const left = o.targets.length - k;
      const targetDeadline = t0 + (hardDeadline - t0) / left;
      const perTarget = Math.floor(o.count / o.targets.length) + (k < o.count % o.targets.length ? 1 : 0);
      const ctx: Ctx = {
        seed: o.seed,
        env: () => env!,
        eng,
        deadline: targetDeadline,
        stats: st,
        report: (f) => report(target.name, f),
        span: (w, start, cur) => {
          if (!current) return;
          if (start === undefined) current.spans.delete(w);
          else current.spans.set(w, { start, current: cur ?? start });
        },
        verbose: o.verbose,
      };
      await target.setup?.(ctx);
      const end = o.from + perTarget;
      for (let i = o.from; i < end && Date.now() < targetDeadline && !stopping; ) {
        const to = Math.min(end, i + o.batch);
        current = { target: target.name, from: i, to, spans: new Map() };
        const ran = await target.runBatch(ctx, i, to);
        st.inputs += ran;
        if (o.inject && !injected) {
          injected = true;
          const victim = o.inject === 'crash' ? env.seeder : env.tracker;
          console.log(`(self-test: ${o.inject === 'crash' ? 'SIGKILL' : 'SIGSTOP'} ${victim.name} pid ${victim.pid})`);
          process.kill(victim.pid, o.inject === 'crash' ? 'SIGKILL' : 'SIGSTOP');
          await new Promise((r) => setTimeout(r, 200));
        }
        // invariants after the batch
        const batchFrom = i;
        const batchCount = i + ran - batchFrom || 1;
        let broken = false;
        const dead = env.procs().filter((p) => p.exited);
        if (dead.length) broken = true;
        for (const p of env.procs()) {
          const lines = p.internalErrors.splice(0);
          if (lines.length) {
            report(target.name, {
              kind: 'internal-error',
              message: `${p.name} logged: ${lines[0].slice(0, 400)}`,
              from: batchFrom,
              count: batchCount,
              detail: lines.slice(0, 5).join('\n'),
            });
          }
        }
        if (!dead.length) {
          const rng = new Rng(o.seed, 'probe', target.name, i);
          const [tp, sp] = await Promise.all([probeTracker(env, rng, 1000), probeSeeder(env, rng, 5000)]);
          for (const msg of [tp, sp]) {
            if (!msg) continue;
            broken = true;
            // a probe that got no answer in time is a hang; a wrong answer is a probe failure
            const kind = /within|no answer|took/.test(msg) ? 'hang' : 'probe';
            report(target.name, { kind, message: `${msg} (after inputs #${batchFrom}..#${batchFrom + batchCount - 1})`, from: batchFrom, count: batchCount });
          }
          const growth = sampleProcs(env);
          for (const g of growth) {
            broken = true;
            report(target.name, { kind: 'growth', message: g, from: o.from, count: i + ran - o.from });
          }
        }
        if (o.verbose) {
          const rss = env.procs().map((p) => `${p.name} ${p.rssMb() ?? '-'} MB/${p.fds() ?? '-'} fds`).join(', ');
          const fuzzerMb = Math.round(process.memoryUsage().rss / 1e5) / 10;
          console.log(`[${target.name}] #${i}..#${i + ran - 1}: ${ran} inputs, ${st.connections} connections so far; ${rss}; fuzzer ${fuzzerMb} MB`);
        }
        current = undefined;
        if (broken && !stopping) {
          console.log('  (restarting the tracker and the seeder)');
          await env.stop();
          env = await startLive();
        }
        if (ran === 0) break;
        i += ran;
      }
      await target.teardown?.();
      st.ms += Date.now() - t0;
      if (!o.verbose) console.log(`[${target.name}] ${st.inputs} inputs, ${st.connections} connections, ${(st.ms / 1000).toFixed(1)} s`);
    }
  } catch (e) {
    console.error(`fuzzer error: ${(e as Error).stack ?? e}`);
    exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await env?.stop();
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      /* leave it */
    }
  }

  // ---- summary ----
  const seconds = (Date.now() - started) / 1000;
  const rows = [['target', 'inputs', 'conns', 'crashes', 'hangs', 'probe fails', 'other fails', 'seconds', 'inputs/s']];
  let total = 0;
  for (const [name, s] of stats) {
    total += s.inputs;
    rows.push([
      name,
      String(s.inputs),
      String(s.connections),
      String(s.crashes),
      String(s.hangs),
      String(s.probeFailures),
      String(s.otherFailures),
      (s.ms / 1000).toFixed(1),
      s.ms ? String(Math.round(s.inputs / (s.ms / 1000))) : '-',
    ]);
  }
  rows.push(['total', String(total), '', '', '', '', '', seconds.toFixed(1), '']);
  console.log('\n' + table(rows));
  const prow = [['process', 'start RSS MB', 'max RSS MB', 'end RSS MB', 'max fds', 'starts']];
  for (const t of tracks.values()) prow.push([t.name, String(t.baseline), String(t.max), String(t.last), String(t.maxFds), String(t.restarts + 1)]);
  prow.push(['fuzzer', '', String(Math.round(process.memoryUsage().rss / 1e5) / 10), '', '', '']);
  console.log(table(prow));
  for (const t of tracks.values()) console.log(`RSS ${t.name} (MB, after each batch): ${trajectory(t.samples)}`);
  if (o.verbose) for (const [name, s] of stats) console.log(`${name}: ${Object.entries(s.notes).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (total === 0 && exitCode === 0) {
    console.log('no input ran');
    exitCode = 1;
  }
  if (findings.length) {
    console.log(`\n${findings.length} distinct finding(s), seed ${o.seed}:`);
    for (const f of findings) {
      const times = seen.get(signature(f.target, f.kind, f.message))?.times ?? 1;
      console.log(
        `  [${f.target}] ${f.kind}${times > 1 ? ` (×${times})` : ''}: ${f.message.slice(0, 300)}\n` +
          `    npm run fuzz -- --seed ${o.seed} --targets ${f.target} --from ${f.from} --count ${f.count}`,
      );
    }
    exitCode = 1;
  } else if (exitCode === 0) console.log(`\nno findings (seed ${o.seed})`);
  if (interrupted) exitCode = exitCode || 130;
  return exitCode;
}

/** Findings that differ only in numbers, quoted bytes or [bracketed context] count as one. */
function signature(target: string, kind: string, message: string): string {
  return `${target}|${kind}|${message.replace(/\[[^\]]*\]/g, '').replace(/"[^"]*"/g, 'Q').replace(/\d+/g, 'N').slice(0, 100)}`;
}

function trajectory(samples: number[]): string {
  if (samples.length <= 24) return samples.join(' ');
  const out: number[] = [];
  for (let k = 0; k < 24; k++) out.push(samples[Math.round((k * (samples.length - 1)) / 23)]);
  return out.join(' ');
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const rule = w.map((n) => '-'.repeat(n)).join('  ');
  return rows
    .map((r, k) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  ') + (k === 0 ? '\n' + rule : ''))
    .join('\n');
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
