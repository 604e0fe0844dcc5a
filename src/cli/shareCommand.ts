// `sta share PATH...`: publish files (or every shareable file in folders) and seed them until interrupted.
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { announceUrlOf, DEFAULT_EXCLUDES, DEFAULT_UPLOAD_SLOTS, Engine, isSecretPath, Repository, SharedFolder } from '../core/api';
import { CommandSpec, helpText, intOption, parse, UsageError } from './args';
import { engineOptionsFrom, engineOptionSpecs } from './engineOptions';
import { FolderWatcher, watchFolder } from './folderWatcher';
import { makeReporter, report, type Reporter } from './progress';
import { shareAsOne } from './shareAsOne';
import { waitForSignal } from './signals';

export const shareSpec: CommandSpec = {
  name: 'share',
  summary:
    'Publish files to the tracker\'s catalog and seed them until interrupted (Ctrl-C). While it runs it watches what it shares: ' +
    'new and changed files are published once they settle, deleted ones withdrawn; a file that changed is never served from its old hashes.',
  usage: 'share PATH... --tracker URL [--host ADDR] [--port N] [--no-watch] [--as-one]',
  options: {
    tracker: { type: 'string', short: 't', multiple: true, arg: 'URL', help: 'tracker announce URL (repeatable)' },
    exclude: { type: 'string', multiple: true, arg: 'GLOB', help: 'skip matching files in folders (adds to the defaults; secrets are always skipped)' },
    'upload-slots': { type: 'string', arg: 'N', help: `peers served at once (default ${DEFAULT_UPLOAD_SLOTS})` },
    'as-one': { type: 'boolean', default: false, help: 'share each folder as one multi-file torrent (lands as DIR/<name>/...), not one per file' },
    'no-watch': { type: 'boolean', default: false, help: 'read the folders once; changes are still never served stale, and re-hashed when read' },
    ...engineOptionSpecs,
  },
};

export async function shareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(shareSpec, argv);
  if (values.help) return void console.log(helpText(shareSpec)), 0;
  if (positionals.length === 0) throw new UsageError(`sta share needs at least one PATH\n\n${helpText(shareSpec)}`);
  const trackers: string[] = (values.tracker ?? []).map(announceUrlOf);
  if (trackers.length === 0) throw new UsageError('sta share needs --tracker URL');
  const engineOptions = { ...engineOptionsFrom(values, trackers), uploadSlots: intOption(values, 'upload-slots', 1, 64) };
  const targets = await Promise.all(positionals.map(targetOf));
  const reporter = values.json ? gatheredLines(makeReporter(true)) : makeReporter(false);
  const engine = new Engine(engineOptions);
  const seedReporter = { ...reporter, progress: () => {} }; // a seed's progress lines would be noise
  engine.on('session', (session) => report(session, seedReporter));
  const port = await engine.listen();
  reporter.event('listening', { host: values.host, port, peerId: engine.peerId.toString('hex') });
  const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sta', 'metainfo');
  const excludes = [...DEFAULT_EXCLUDES, ...(values.exclude ?? [])];
  const folders: SharedFolder[] = [];
  const watchers: FolderWatcher[] = [];
  let asOne = 0;
  const closeAll = async () => {
    await Promise.all(watchers.map((w) => w.close()));
    await Promise.all(folders.map((f) => f.close()));
    await engine.close();
  };
  try {
    for (const t of targets) {
      if (values['as-one'] && !t.file) {
        await shareAsOne(engine, t.path, trackers, reporter);
        asOne++;
        continue;
      }
      // a file named on the command line is shared even where a folder's excludes would skip it
      const folder = new SharedFolder({ engine, root: t.root, excludes: t.file ? [] : excludes, cacheDir, trackers, logger: engine.opts.logger });
      folders.push(folder);
      reportFolder(folder, reporter);
      const skip = !t.file ? undefined : t.size === 0 ? 'empty file' : isSecretPath(t.path) ? SECRET_REASON : undefined;
      if (skip) {
        reporter.event('skipped', { path: t.path, reason: skip });
        continue;
      }
      // watching starts first: a file written while the others are hashed is not missed
      if (!values['no-watch']) {
        const watcher = watchFolder(folder, t.path, t.root, t.file ? [] : excludes, (message) => reporter.event('warning', { message }));
        watchers.push(watcher);
        await watcher.ready;
        reporter.event('watching', { path: t.path });
      }
      if (t.file) await folder.shareFile(t.path).catch((e: Error) => reporter.event('warning', { message: e.message }));
      else {
        const repo = new Repository({ root: t.root, excludes });
        const files = await repo.scan();
        const max = repo.maxFiles;
        if (repo.truncated) reporter.event('warning', { message: `${t.path} has more than ${max} files: only the first ${max} are shared` });
        await folder.shareAll(files);
      }
    }
  } catch (e) {
    // a failure while sharing ends the command with its code: nothing left listening or watching
    await closeAll();
    throw e;
  }
  const count = folders.reduce((n, f) => n + f.entries().length, 0);
  if (count + asOne === 0 && watchers.length === 0) {
    await engine.close();
    throw new UsageError('nothing to share (empty files and excluded files are skipped)');
  }
  await waitForSignal();
  reporter.event('stopping', {});
  await closeAll();
  return 0;
}

const SECRET_REASON = 'looks like a secret (key, credentials or state file); STA never shares those';

interface Target {
  path: string;
  /** the folder shared, or the named file's folder */
  root: string;
  file: boolean;
  size: number;
}

async function targetOf(p: string): Promise<Target> {
  const path = resolve(p);
  const st = await fsp.stat(path).catch(() => undefined);
  if (!st) throw new UsageError(`${p}: no such file or folder`);
  return st.isDirectory() ? { path, root: path, file: false, size: 0 } : { path, root: dirname(path), file: true, size: st.size };
}

/**
 * --json events as the reporter writes them, but gathered and written once per turn of the event loop:
 * a folder of 10,000 files says `sharing` and `state` for each at start, and a write per line costs a second.
 */
function gatheredLines(r: Reporter): Reporter {
  let lines: string[] = [];
  const flush = () => {
    process.stdout.write(lines.join('\n') + '\n');
    lines = [];
  };
  return {
    ...r,
    event(type, data) {
      if (lines.length === 0) setImmediate(flush);
      lines.push(JSON.stringify({ type, time: new Date().toISOString(), ...data }));
    },
  };
}

/** sharing (new path), updated (new version of a path), unshared (withdrawn), warning. */
function reportFolder(folder: SharedFolder, reporter: Reporter): void {
  folder.on('shared', ({ path, meta }, previous) => {
    if (previous) reporter.event('updated', { path, name: meta.name, infoHash: meta.infoHashHex, previousInfoHash: previous, length: meta.length });
    else reporter.event('sharing', { path, name: meta.name, infoHash: meta.infoHashHex, length: meta.length });
  });
  folder.on('unshared', (relPath, infoHash) => reporter.event('unshared', { path: join(folder.root, relPath), infoHash }));
  folder.on('warning', (message) => reporter.event('warning', { message }));
}
