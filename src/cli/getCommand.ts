// `sta get TARGET`: download one file (catalog name, info-hash, .torrent or magnet) and verify it.
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { announceUrlOf, Engine, fetchCatalog, fetchMetainfo, formatBytes, Metainfo, parseMagnet, parseTorrent } from '../core/api';
import { CommandSpec, helpText, intOption, parse, UsageError } from './args';
import { engineOptionsFrom, engineOptionSpecs } from './engineOptions';
import { makeReporter, report } from './progress';
import { waitForSignal } from './signals';

export const getSpec: CommandSpec = {
  name: 'get',
  summary:
    'Download a file from the swarm, verifying every piece. TARGET is a name or path from the tracker\'s catalog, an info-hash, ' +
    'a .torrent file, or a magnet link (magnet links are resolved through an STA tracker\'s catalog; ' +
    'BEP 9 metadata exchange is not supported). Exits 0 only when the file is complete and verified.',
  usage: 'get TARGET --tracker URL --out DIR [--port N]',
  options: {
    tracker: { type: 'string', short: 't', multiple: true, arg: 'URL', help: 'tracker announce URL (repeatable; default: the torrent\'s own)' },
    out: { type: 'string', short: 'o', default: '.', arg: 'DIR', help: 'download folder (the file is written only inside it)' },
    'if-exists': { type: 'string', default: 'refuse', arg: 'refuse|suffix', help: 'a different file already has the name: refuse, or save as "name (1).ext"' },
    seed: { type: 'boolean', default: false, help: 'keep seeding after the download until interrupted' },
    timeout: { type: 'string', arg: 'SEC', help: 'give up after this many seconds' },
    ...engineOptionSpecs,
  },
};

async function resolveTarget(target: string, trackers: string[]): Promise<Metainfo> {
  const needTracker = (what: string) => {
    if (trackers.length === 0) throw new UsageError(`${what} needs --tracker URL (an STA tracker with a catalog)`);
    return trackers[0];
  };
  if (target.startsWith('magnet:')) {
    const m = parseMagnet(target);
    const tracker = trackers[0] ?? m.trackers[0];
    if (!tracker) throw new UsageError('this magnet link names no tracker; pass --tracker URL of an STA tracker');
    return fetchMetainfo(tracker, m.infoHashHex);
  }
  const st = await fsp.stat(target).catch(() => undefined);
  if (st?.isFile()) return parseTorrent(await fsp.readFile(target));
  if (/\.torrent$/i.test(target)) throw new UsageError(`${target}: no such .torrent file`);
  if (/^[0-9a-fA-F]{40}$/.test(target)) return fetchMetainfo(needTracker('an info-hash'), target);
  const tracker = needTracker('a catalog name');
  const files = await fetchCatalog(tracker);
  let matches = files.filter((f) => f.path === target);
  if (matches.length === 0) matches = files.filter((f) => f.name === target);
  if (matches.length === 0) throw new UsageError(`"${target}" is not in the catalog at ${tracker} (${files.length} files; see sta list)`);
  if (matches.length > 1) {
    const which = matches.map((f) => `${f.path} (${f.infoHash})`).join(', ');
    throw new UsageError(`"${target}" matches ${matches.length} files: ${which}; use the info-hash`);
  }
  return fetchMetainfo(tracker, matches[0].infoHash);
}

export async function getCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(getSpec, argv);
  if (values.help) return void console.log(helpText(getSpec)), 0;
  if (positionals.length !== 1) throw new UsageError(`sta get takes exactly one TARGET\n\n${helpText(getSpec)}`);
  if (!['refuse', 'suffix'].includes(values['if-exists'])) throw new UsageError('--if-exists must be refuse or suffix');
  const trackers: string[] = (values.tracker ?? []).map(announceUrlOf);
  const timeout = intOption(values, 'timeout', 1, 7 * 86400);
  const meta = await resolveTarget(positionals[0], trackers);
  if (trackers.length === 0 && meta.announceList.length === 0) throw new UsageError('the torrent names no tracker; pass --tracker URL');
  const out = resolve(values.out);
  await fsp.mkdir(out, { recursive: true });
  const reporter = makeReporter(values.json);
  const engine = new Engine(engineOptionsFrom(values, trackers));
  await engine.listen();
  reporter.event('start', { name: meta.name, infoHash: meta.infoHashHex, length: meta.length, pieces: meta.pieceCount, port: engine.port });
  const started = Date.now();
  let session;
  try {
    session = await engine.download(meta, out, { onExisting: values['if-exists'] });
  } catch (e) {
    await engine.close();
    throw e;
  }
  report(session, reporter);
  const result = await new Promise<{ ok: boolean; reason: string; path?: string }>((done) => {
    if (session.complete) return done({ ok: true, reason: 'already have it', path: session.store.finalPath });
    session.on('done', (path) => done({ ok: true, reason: 'complete', path }));
    session.on('state', (s, reason) => s === 'failed' && done({ ok: false, reason: reason ?? 'failed' }));
    if (timeout) setTimeout(() => done({ ok: false, reason: `timed out after ${timeout}s` }), timeout * 1000).unref();
    void waitForSignal().then((sig) => done({ ok: false, reason: `interrupted (${sig}); partial data kept for resume` }));
  });
  reporter.done();
  const secs = (Date.now() - started) / 1000;
  const perPeer = Object.fromEntries(session.contributions);
  if (result.ok) {
    const rate = meta.length / secs;
    reporter.event('complete', { name: meta.name, path: result.path, seconds: secs, bytes: meta.length, rate, fromPeers: perPeer, reason: result.reason });
    if (!values.json) console.error(`${meta.name}: verified, ${formatBytes(meta.length)} in ${secs.toFixed(1)} s → ${result.path}`);
    if (values.seed) await waitForSignal();
  } else {
    reporter.event('failed', { name: meta.name, reason: result.reason, fromPeers: perPeer });
    console.error(`sta: ${meta.name}: ${result.reason}`);
  }
  await engine.close();
  return result.ok ? 0 : 1;
}
