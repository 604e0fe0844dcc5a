// Preload probe for benchmarks: `BENCH_PROBE_OUT=probe.json node -r ./bench/probe.js dist/cli.js get ...`
//
// Measures the host process's event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms
// resolution) and samples process.memoryUsage() every 100 ms. On exit it writes one JSON
// object to $BENCH_PROBE_OUT:
//   maxDelayMs, p99DelayMs, meanDelayMs  — histogram figures in ms; note that Node records the
//                                          whole timer interval, so an idle loop reads ~10 ms
//                                          (resolutionMs) and a 40 ms stall reads ~50 ms
//   rssStart, rssPeak, rssEnd            — bytes; rssStart is taken once the program's modules
//                                          have loaded (the first turn of the event loop)
//   heapUsedPeak, externalPeak, arrayBuffersPeak, samples, wallMs
// Nothing is written when BENCH_PROBE_OUT is unset. The probe's timers are unref'd. With BENCH_PROBE_RESET=1,
// SIGUSR2 resets the histogram and the RSS baseline (a seeder measured while it serves).
'use strict';

const fs = require('node:fs');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  const RESOLUTION_MS = 10;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const t0 = performance.now();
  const first = process.memoryUsage();
  const s = {
    rssStart: first.rss,
    rssPeak: first.rss,
    heapUsedPeak: first.heapUsed,
    externalPeak: first.external,
    arrayBuffersPeak: first.arrayBuffers,
    samples: 1,
  };
  // what is measured is the transfer, not the one-off synchronous load of the program's own
  // modules (a 200 KB bundle): start once the main module has run to its first await
  setImmediate(() => {
    histogram.enable();
    const m = process.memoryUsage();
    s.rssStart = s.rssPeak = m.rss;
  });
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > s.rssPeak) s.rssPeak = m.rss;
    if (m.heapUsed > s.heapUsedPeak) s.heapUsedPeak = m.heapUsed;
    if (m.external > s.externalPeak) s.externalPeak = m.external;
    if (m.arrayBuffers > s.arrayBuffersPeak) s.arrayBuffersPeak = m.arrayBuffers;
    s.samples++;
  };
  setInterval(sample, 100).unref();
  // BENCH_PROBE_RESET=1: SIGUSR2 starts the measurement again (a seeder, once its leechers start)
  if (process.env.BENCH_PROBE_RESET) {
    process.on('SIGUSR2', () => {
      histogram.reset();
      s.rssStart = s.rssPeak = process.memoryUsage().rss;
    });
  }
  let written = false;
  process.on('exit', (code) => {
    if (written) return;
    written = true;
    sample();
    histogram.disable();
    const result = {
      pid: process.pid,
      exitCode: code,
      wallMs: Math.round(performance.now() - t0),
      resolutionMs: RESOLUTION_MS,
      maxDelayMs: histogram.max / 1e6,
      p99DelayMs: histogram.percentile(99) / 1e6,
      meanDelayMs: histogram.mean / 1e6,
      ...s,
      rssEnd: process.memoryUsage().rss,
    };
    try {
      fs.writeFileSync(out, JSON.stringify(result) + '\n');
    } catch (e) {
      process.stderr.write(`bench/probe.js: cannot write ${out}: ${e.message}\n`);
    }
  });
}
