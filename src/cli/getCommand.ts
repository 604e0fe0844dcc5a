// `sta get TARGET`: download one file (catalog name, info-hash, .torrent or magnet) and verify it.
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import {
  announceUrlOf, consoleLogger, Engine, ExistingFileError, fetchCatalog, fetchCatalogEntry, fetchMetainfo, formatBytes, Metainfo, OnExisting,
  parseMagnet, parseTorrent, resolveMagnet, type SeedingStopped, type SeedLimits, type TorrentSession, watchSeedLimits,
} from '../core/api';
import { CommandSpec, helpText, intOption, parse, UsageError } from './args';
import { engineOptionsFrom, engineOptionSpecs } from './engineOptions';
import { originOf } from './flagDefaults';
import { checkReporter, makeReporter, report, type Reporter } from './progress';
import { waitForSignal } from './signals';

export const getSpec: CommandSpec = {
  name: 'get',
  summary:
    'Download a file from the swarm, verifying every piece. TARGET is a name or path from the tracker\'s catalog, an info-hash, ' +
    'a .torrent file, or a magnet link (its torrent comes from an STA tracker\'s catalog when one has it, else from the peers ' +
    'its trackers name, BEP 9). The file lands at its catalog path inside DIR (a/config.json → DIR/a/config.json) ' +
    'when the catalog names one, else at DIR/<name>. Exits 0 only when the file is complete and verified.',
  usage: 'get TARGET --tracker URL --out DIR [--port N] [--select GLOB...]',
  options: {
    tracker: { type: 'string', short: 't', multiple: true, arg: 'URL', help: 'tracker announce URL (repeatable; default: the torrent\'s own)' },
    out: { type: 'string', short: 'o', default: '.', arg: 'DIR', help: 'download folder (the file is written only inside it)' },
    'if-exists': {
      type: 'string',
      default: 'refuse',
      arg: 'refuse|suffix|update',
      help: 'a different file or folder already has the name: refuse, save as "name (1).ext", or update it (reuse its matching pieces, fetch only what changed)',
    },
    seed: { type: 'boolean', default: false, help: 'keep seeding after the download until interrupted (or a --seed-ratio/--seed-time limit)' },
    'seed-ratio': { type: 'string', arg: 'R', help: 'seed until uploaded ÷ size reaches R, then exit 0 (0 = do not seed; implies --seed)' },
    'seed-time': { type: 'string', arg: 'MIN', help: 'seed for MIN minutes, then exit 0 (implies --seed)' },
    select: { type: 'string', multiple: true, arg: 'GLOB', help: 'a folder torrent: only the files matching GLOB (path inside it; repeatable)' },
    timeout: { type: 'string', arg: 'SEC', help: 'give up after this many seconds' },
    ...engineOptionSpecs,
  },
};

const IF_EXISTS: readonly OnExisting[] = ['refuse', 'suffix', 'update'];
/** how long `sta get` waits for a catalog to name a .torrent's or info-hash's path before using the torrent's name */
const PATH_LOOKUP_TIMEOUT_MS = 5000;

interface Target {
  meta: Metainfo;
  /** the catalog path, when a catalog names one */
  relPath?: string;
}

/** The path the catalog at `tracker` lists `meta` under, if any; a tracker without a catalog (or unreachable) names none. */
async function catalogPathAt(tracker: string | undefined, meta: Metainfo): Promise<string | undefined> {
  if (!tracker) return undefined;
  const entry = await fetchCatalogEntry(tracker, meta.infoHashHex, PATH_LOOKUP_TIMEOUT_MS).catch(() => undefined);
  return typeof entry?.path === 'string' ? entry.path : undefined;
}

async function resolveTarget(target: string, trackers: string[]): Promise<Target> {
  const needTracker = (what: string) => {
    if (trackers.length === 0) throw new UsageError(`${what} needs --tracker URL (an STA tracker with a catalog)`);
    return trackers[0];
  };
  const withPath = async (meta: Metainfo, tracker: string | undefined) => ({ meta, relPath: await catalogPathAt(tracker, meta) });
  if (target.startsWith('magnet:')) {
    const m = parseMagnet(target);
    if (trackers.length + m.trackers.length === 0) throw new UsageError('this magnet link names no tracker; pass --tracker URL (STA runs no DHT)');
    // an STA catalog's .torrent when one has it, else the metadata from the swarm's peers (BEP 9)
    const found = await resolveMagnet(m, { trackers, log: consoleLogger() });
    return withPath(found.meta, found.tracker);
  }
  const st = await fsp.stat(target).catch(() => undefined);
  if (st?.isFile()) {
    const meta = parseTorrent(await fsp.readFile(target));
    return withPath(meta, trackers[0] ?? meta.announceList[0]?.[0]);
  }
  if (/\.torrent$/i.test(target)) throw new UsageError(`${target}: no such .torrent file`);
  if (/^[0-9a-fA-F]{40}$/.test(target)) {
    const tracker = needTracker('an info-hash');
    return withPath(await fetchMetainfo(tracker, target), tracker);
  }
  const tracker = needTracker('a catalog name');
  const files = await fetchCatalog(tracker);
  let matches = files.filter((f) => f.path === target);
  if (matches.length === 0) matches = files.filter((f) => f.name === target);
  if (matches.length === 0) throw new UsageError(`"${target}" is not in the catalog at ${tracker} (${files.length} files; see sta list)`);
  if (matches.length > 1) {
    const which = matches.map((f) => `${f.path} (${f.infoHash})`).join(', ');
    throw new UsageError(`"${target}" matches ${matches.length} files: ${which}; use the info-hash`);
  }
  return { meta: await fetchMetainfo(tracker, matches[0].infoHash), relPath: matches[0].path };
}

export async function getCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(getSpec, argv);
  if (values.help) return void console.log(helpText(getSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`sta get takes exactly one TARGET\n\n${helpText(getSpec)}`);
  const onExisting = values['if-exists'] as OnExisting;
  if (!IF_EXISTS.includes(onExisting)) throw new UsageError('--if-exists must be refuse, suffix or update');
  const trackers: string[] = (values.tracker ?? []).map(announceUrlOf);
  const timeout = intOption(values, 'timeout', 1, 7 * 86400);
  const limits: SeedLimits = { ratio: numberOption(values, 'seed-ratio'), minutes: numberOption(values, 'seed-time') };
  const seed = values.seed === true || limits.ratio !== undefined || limits.minutes !== undefined;
  const { meta, relPath } = await resolveTarget(positionals[0], trackers);
  if (trackers.length === 0 && meta.announceList.length === 0) throw new UsageError('the torrent names no tracker; pass --tracker URL');
  const out = resolve(values.out);
  await fsp.mkdir(out, { recursive: true });
  const reporter = makeReporter(values.json);
  const engine = new Engine(engineOptionsFrom(values, trackers));
  await engine.listen();
  const start = { name: meta.name, relPath: relPath ?? meta.name, infoHash: meta.infoHashHex, length: meta.length, pieces: meta.pieceCount, port: engine.port };
  reporter.event('start', start);
  const started = Date.now();
  let session;
  try {
    const onCheckProgress = checkReporter(reporter, meta.name, values.json);
    session = await engine.download(meta, out, { relPath, onExisting, onCheckProgress, select: values.select });
  } catch (e) {
    await engine.close();
    // say how to get the file anyway; the existing one is never touched
    if (e instanceof ExistingFileError) e.message += ' (--if-exists update replaces it, reusing what matches; --if-exists suffix saves beside it)';
    throw e;
  }
  report(session, reporter);
  const result = await new Promise<{ ok: boolean; reason: string; path?: string }>((done) => {
    const reused = session.store.reusedBytes > 0; // every piece was in the older copy: placed already
    if (session.complete) return done({ ok: true, reason: reused ? 'complete from the local copy' : 'already have it', path: session.store.finalPath });
    session.on('done', (path) => done({ ok: true, reason: 'complete', path }));
    session.on('state', (s, reason) => s === 'failed' && done({ ok: false, reason: reason ?? 'failed' }));
    if (timeout) setTimeout(() => done({ ok: false, reason: `timed out after ${timeout}s` }), timeout * 1000).unref();
    void waitForSignal().then((sig) => done({ ok: false, reason: `interrupted (${sig}); partial data kept for resume` }));
  });
  reporter.done();
  const secs = (Date.now() - started) / 1000;
  const perPeer = Object.fromEntries(session.contributions);
  const { reusedBytes, downloaded } = session.progress();
  if (result.ok) {
    const rate = meta.length / secs;
    const done = { name: meta.name, path: result.path, seconds: secs, bytes: meta.length, rate, fromPeers: perPeer, reusedBytes, reason: result.reason };
    reporter.event('complete', done);
    const reuse = reusedBytes > 0 ? ` (${formatBytes(reusedBytes)} reused from the local copy, ${formatBytes(downloaded)} from peers)` : '';
    if (!values.json) console.error(`${meta.name}: verified, ${formatBytes(meta.length)} in ${secs.toFixed(1)} s${reuse} → ${result.path}`);
    if (seed) await seedUntilDone(session, limits, reporter, values.json);
  } else {
    reporter.event('failed', { name: meta.name, reason: result.reason, fromPeers: perPeer, reusedBytes });
    console.error(`sta: ${meta.name}: ${result.reason}`);
  }
  await engine.close();
  return result.ok ? 0 : 1;
}

/** A number ≥ 0 (a ratio, minutes), fractions allowed; a UsageError names where a bad one came from. */
export function numberOption(values: Record<string, any>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(String(raw).trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${originOf(values, name)} must be a number of 0 or more such as 1.5, not "${raw}"`);
  return n;
}

/** Seeds the finished download until a limit (`seeded` event, saying which) or a signal; the file stays either way. */
async function seedUntilDone(session: TorrentSession, limits: SeedLimits, reporter: Reporter, json: boolean): Promise<void> {
  const stopped = await new Promise<SeedingStopped | undefined>((done) => {
    const unwatch = watchSeedLimits(session, limits, done);
    void waitForSignal().then(() => (unwatch(), done(undefined)));
  });
  if (!stopped) return;
  const { name } = session.meta;
  const { uploaded } = session.progress();
  reporter.event('seeded', { name, infoHash: session.infoHashHex, reason: stopped.reason, ratio: stopped.ratio, seconds: stopped.seconds, uploaded });
  if (!json) console.error(`${name}: seeding stopped (${stopped.text}): ${formatBytes(uploaded)} sent in ${stopped.seconds.toFixed(0)} s`);
}
