// `sta share PATH...`: publish files (or every shareable file in folders) and seed them until interrupted.
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { announceUrlOf, DEFAULT_EXCLUDES, DEFAULT_UPLOAD_SLOTS, Engine, isSecretPath, Repository, SharedFile } from '../core/api';
import { CommandSpec, helpText, intOption, parse, UsageError } from './args';
import { engineOptionsFrom, engineOptionSpecs } from './engineOptions';
import { makeReporter, report } from './progress';
import { waitForSignal } from './signals';

export const shareSpec: CommandSpec = {
  name: 'share',
  summary: 'Publish files to the tracker\'s catalog and seed them until interrupted (Ctrl-C).',
  usage: 'share PATH... --tracker URL [--host ADDR] [--port N]',
  options: {
    tracker: { type: 'string', short: 't', multiple: true, arg: 'URL', help: 'tracker announce URL (repeatable)' },
    exclude: { type: 'string', multiple: true, arg: 'GLOB', help: 'skip matching files in folders (adds to the defaults; secrets are always skipped)' },
    'upload-slots': { type: 'string', arg: 'N', help: `peers served at once (default ${DEFAULT_UPLOAD_SLOTS})` },
    ...engineOptionSpecs,
  },
};

export async function shareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(shareSpec, argv);
  if (values.help) return void console.log(helpText(shareSpec)), 0;
  if (positionals.length === 0) throw new UsageError(`sta share needs at least one PATH\n\n${helpText(shareSpec)}`);
  const trackers: string[] = (values.tracker ?? []).map(announceUrlOf);
  if (trackers.length === 0) throw new UsageError('sta share needs --tracker URL');
  const reporter = makeReporter(values.json);
  const engine = new Engine({ ...engineOptionsFrom(values, trackers), uploadSlots: intOption(values, 'upload-slots', 1, 64) });
  const port = await engine.listen();
  reporter.event('listening', { host: values.host, port, peerId: engine.peerId.toString('hex') });
  const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sta', 'metainfo');
  let count = 0;
  for (const p of positionals) {
    const abs = resolve(p);
    const st = await fsp.stat(abs).catch(() => undefined);
    if (!st) throw new UsageError(`${p}: no such file or folder`);
    const root = st.isDirectory() ? abs : dirname(abs);
    const repo = new Repository({ root, cacheDir, excludes: [...DEFAULT_EXCLUDES, ...(values.exclude ?? [])] });
    let files: SharedFile[];
    if (st.isDirectory()) files = await repo.scan();
    else if (st.size === 0) {
      reporter.event('skipped', { path: abs, reason: 'empty file' });
      continue;
    } else if (isSecretPath(abs)) {
      // credentials and keys never leave, even when named: the list is in core/repository.ts
      reporter.event('skipped', { path: abs, reason: 'looks like a secret (key, credentials or state file); STA never shares those' });
      continue;
    } else files = [{ path: abs, relPath: basename(abs), size: st.size, mtimeMs: st.mtimeMs }];
    for (const f of files) {
      const meta = await repo.metainfo(f, trackers);
      const session = await engine.seed(f.path, { meta, catalogPath: f.relPath });
      report(session, { ...reporter, progress: () => {} });
      reporter.event('sharing', { path: f.path, name: meta.name, infoHash: meta.infoHashHex, length: meta.length });
      count++;
    }
  }
  if (count === 0) {
    await engine.close();
    throw new UsageError('nothing to share (empty files and excluded files are skipped)');
  }
  await waitForSignal();
  reporter.event('stopping', {});
  await engine.close();
  return 0;
}
