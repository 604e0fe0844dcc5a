// Per-role figures of one peer-bench run: CPU-seconds per GiB for the leechers (receiving and
// verifying; in a crowd also serving each other) and for the seeders (sending), and in a crowd
// the split of the bytes the leechers received: from the seeder vs between leechers.
//
// What left the seeders is measured the same way for both tools: the bytes their processes wrote
// through write(2)-family calls (/proc/PID/io wchar: socket writes, protocol overhead included,
// ~0.1 %). For STA the leechers' own stats (the "complete" event's bytes per peer id) give the
// same split a second way.
'use strict';

const GiB = 1024 ** 3;

/**
 * @param {object} a
 * @param {'sta'|'aria2'} a.tool
 * @param {number} a.bytes            the file's size
 * @param {number} a.leechers         how many leechers downloaded it
 * @param {object} a.cpu              CpuWatch.finish(): { leechers: {cpuSeconds, writeBytes}, seeders: {...} }
 * @param {object[]} a.seederProcs    Proc of each seeder (STA: its "listening" event names its peer id)
 * @param {object[]} a.leecherProcs   Proc of each leecher (STA: its "complete" event has fromPeers)
 */
function roleStats({ tool, bytes, leechers, cpu, seederProcs, leecherProcs }) {
  const received = bytes * leechers;
  const fromSeedersWire = cpu.seeders.writeBytes;
  const out = {
    receivedBytes: received,
    fromSeedersBytes: fromSeedersWire,
    betweenLeechersBytes: Math.max(0, received - fromSeedersWire),
    leecherCpuPerGiB: cpu.leechers.cpuSeconds / (received / GiB),
    seederCpuPerGiB: fromSeedersWire > 0 ? cpu.seeders.cpuSeconds / (fromSeedersWire / GiB) : null,
  };
  if (tool === 'sta') {
    const seedIds = new Set(seederProcs.map((p) => p.events.find((e) => e.type === 'listening')?.peerId).filter(Boolean));
    let fromSeeds = 0;
    let fromAny = 0;
    for (const p of leecherProcs) {
      const done = p.events.find((e) => e.type === 'complete');
      for (const [id, n] of Object.entries(done?.fromPeers ?? {})) {
        fromAny += n;
        if (seedIds.has(id)) fromSeeds += n;
      }
    }
    out.staStats = { fromSeedersBytes: fromSeeds, betweenLeechersBytes: fromAny - fromSeeds };
  }
  return out;
}

const mb = (b) => (b / 1e6).toFixed(0);

/** One log line for a run's roles. */
function roleLine(r) {
  const seeder = r.seederCpuPerGiB === null ? '?' : r.seederCpuPerGiB.toFixed(2);
  let s = `CPU-s/GiB leecher ${r.leecherCpuPerGiB.toFixed(2)}, seeder ${seeder}; from seeder(s) ${mb(r.fromSeedersBytes)} MB, ` +
    `between leechers ${mb(r.betweenLeechersBytes)} MB (of ${mb(r.receivedBytes)})`;
  if (r.staStats) s += ` [STA's own stats: ${mb(r.staStats.fromSeedersBytes)} / ${mb(r.staStats.betweenLeechersBytes)} MB]`;
  return s;
}

module.exports = { roleStats, roleLine };
