// Share Folder via STA (Explorer): a folder published and seeded as ONE multi-file torrent, as `sta share DIR --as-one`
// does — what a teammate on qBittorrent, Transmission or aria2 downloads as one folder. Secrets and the built-in
// excludes are always left out (the question says which); a file changed afterwards stops the seed (never served stale).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createFolderTorrent, displayText, formatBytes, isSecretPath, listFolder, magnetUri, teamKeyOf, withoutTeamKey } from '../../core/api';
import type { StaService } from '../model/staService';
import type { SharedEntry } from '../model/workspaceShares';
import { readSettings } from '../settings';

/** Folders never in a folder torrent, as core's DEFAULT_EXCLUDES: version control, dependencies, editor and STA state. */
export const BUILT_IN_EXCLUDED = ['.git', 'node_modules', '.vscode', '.sta'];

const isAbort = (e: unknown) => (e as Error)?.name === 'AbortError';

/** Which files of a folder go in its torrent; `secrets` and `excluded` collect what was left out (relative paths). */
function chooser(): { include: (rel: string) => boolean; secrets: string[]; excluded: string[] } {
  const secrets: string[] = [];
  const excluded: string[] = [];
  const include = (rel: string) => {
    if (rel.split('/').some((p) => BUILT_IN_EXCLUDED.includes(p))) return excluded.push(rel), false;
    if (isSecretPath(rel)) return secrets.push(rel), false;
    return true;
  };
  return { include, secrets, excluded };
}

export class FolderSharer {
  /** The modal before anything is hashed; true only for Share. Tests answer it in the user's place. */
  confirm = async (message: string, detail: string): Promise<boolean> => {
    const share = vscode.l10n.t('Share');
    return (await vscode.window.showInformationMessage(message, { modal: true, detail }, share)) === share;
  };

  constructor(private readonly service: StaService) {
    service.shares.onDidStopFolder((e) => void this.stopped(e));
  }

  /** The command: the folder the Explorer was on. Undefined: cancelled or failed (the user was told). */
  async command(uri?: vscode.Uri): Promise<SharedEntry | undefined> {
    if (!uri || uri.scheme !== 'file') return void vscode.window.showErrorMessage(vscode.l10n.t('STA: choose a folder on disk to share.'));
    if (!vscode.workspace.isTrusted) return void vscode.window.showErrorMessage(vscode.l10n.t('STA: trust this workspace to share its files.'));
    const dir = uri.fsPath;
    const name = path.basename(dir);
    try {
      const listed = chooser();
      const files = await listFolder(dir, listed.include);
      const size = files.reduce((n, f) => n + f.size, 0);
      if (size === 0) throw new Error(vscode.l10n.t('{0} holds no file STA may share.', dir));
      const tracker = (this.service.running ? this.service.trackerUrl : undefined) ?? withoutTeamKey(readSettings(uri).trackerUrl);
      const count = files.length === 1 ? vscode.l10n.t('1 file') : vscode.l10n.t('{0} files', files.length);
      const message = vscode.l10n.t('Share the folder {0} ({1}, {2}) as one torrent with {3}?', displayText(name), count, formatBytes(size), tracker);
      if (!(await this.confirm(message, leftOut(listed.secrets, listed.excluded)))) return undefined;
      if (!this.service.running) await this.service.start();
      if (!this.service.running) return undefined;
      const target = this.service.shares.folderTarget(dir);
      const meta = await hashing(name, (signal, onProgress) =>
        createFolderTorrent(dir, {
          announce: target.announce,
          // a team's torrent stays with the team's tracker: no DHT, PEX or local discovery
          private: teamKeyOf(target.announce) !== undefined,
          include: chooser().include,
          signal,
          onProgress,
        }),
      );
      const entry = await this.service.shares.seedFolderAsOne(dir, meta);
      void this.service.catalog.refresh();
      const copy = vscode.l10n.t('Copy Magnet Link');
      void vscode.window
        .showInformationMessage(vscode.l10n.t('STA: sharing the folder {0} ({1}) as one torrent.', displayText(entry.catalogPath), count), copy)
        .then((p) => (p ? vscode.env.clipboard.writeText(magnetUri(meta)) : undefined));
      return entry;
    } catch (e) {
      if (!isAbort(e)) void vscode.window.showErrorMessage(vscode.l10n.t('STA: {0}', (e as Error).message));
      return undefined;
    }
  }

  private async stopped(e: SharedEntry): Promise<void> {
    const again = vscode.l10n.t('Share Again');
    const msg = vscode.l10n.t('STA: stopped sharing the folder {0}: a file in it changed after it was hashed.', displayText(e.catalogPath));
    if ((await vscode.window.showWarningMessage(msg, again)) === again) await this.command(vscode.Uri.file(e.path));
  }
}

/** The confirmation's detail: what is never in the torrent. */
function leftOut(secrets: string[], excluded: string[]): string {
  const lines = [vscode.l10n.t('Always left out: {0}, and files that look like secrets.', BUILT_IN_EXCLUDED.join(', '))];
  const some = secrets.slice(0, 5).map(displayText).join(', ') + (secrets.length > 5 ? ', …' : '');
  if (secrets.length > 0) lines.push(vscode.l10n.t('Left out as secrets here: {0}', some));
  const n = excluded.length;
  if (n > 0) lines.push(n === 1 ? vscode.l10n.t('1 file left out in those folders.') : vscode.l10n.t('{0} files left out in those folders.', n));
  return lines.join('\n');
}

/** Hashing in a cancellable notification; cancelling throws an AbortError. */
function hashing<T>(name: string, run: (signal: AbortSignal, onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const title = vscode.l10n.t('STA: hashing the folder {0}', displayText(name));
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      let shown = 0;
      return run(ac.signal, (done, total) => {
        const pct = Math.floor((done / total) * 100);
        if (pct > shown) progress.report({ increment: pct - shown, message: `${pct}%` }), (shown = pct);
      });
    }),
  );
}
