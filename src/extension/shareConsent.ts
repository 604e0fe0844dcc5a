// The first Start in a workspace asks: "Share N files (X MB) from FOLDER with TRACKER?" — Share, Show
// Files (then asks again) or Cancel. A Share is remembered per folder and tracker (workspaceState); in a
// multi-root workspace one question names every folder not yet answered, and a folder added later is asked about.
import * as vscode from 'vscode';
import { displayText, formatBytes, type SharedFile, teamKeyOf } from '../core/api';
import { StoreKeys } from './constants';

/** One folder's part of a plan: its files relative to it, and the prefix its catalog paths get (multi-root). */
export interface FolderPlan {
  root: string;
  name: string;
  prefix?: string;
  files: SharedFile[];
}

/** What Start is about to share, counted by a scan (nothing hashed yet). */
export interface SharePlan {
  folders: FolderPlan[];
  /** the announce URL STA uses (the key is never shown) */
  announce: string;
  /** the same without its key */
  trackerShown: string;
}

export type ShareAnswer = 'share' | 'showFiles' | undefined;

/** The modal question; Cancel (or Escape) is VS Code's own button. */
async function askModal(message: string, detail: string): Promise<ShareAnswer> {
  const [share, showFiles] = [vscode.l10n.t('Share'), vscode.l10n.t('Show Files')];
  const pick = await vscode.window.showWarningMessage(message, { modal: true, detail }, share, showFiles);
  return pick === share ? 'share' : pick === showFiles ? 'showFiles' : undefined;
}

/** The relative paths, one a line, in an untitled document beside the question. */
async function showFiles(plan: SharePlan): Promise<void> {
  const n = plan.folders.reduce((sum, f) => sum + f.files.length, 0);
  const roots = plan.folders.map((f) => f.root).join(', ');
  const head = `${vscode.l10n.t('# STA would share these {0} files of {1} with {2}', n, roots, plan.trackerShown)}\n`;
  const lines = plan.folders.flatMap((f) => f.files.map((x) => `${displayText(f.prefix ? `${f.prefix}/${x.relPath}` : x.relPath)}\t${formatBytes(x.size)}`));
  const content = head + lines.join('\n') + '\n';
  const doc = await vscode.workspace.openTextDocument({ content, language: 'plaintext' });
  await vscode.window.showTextDocument(doc, { preview: true });
}

export function questionOf(plan: SharePlan): { message: string; detail: string } {
  const files = plan.folders.flatMap((f) => f.files);
  const n = files.length;
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const message =
    n === 1
      ? vscode.l10n.t('Share 1 file ({0}) from {1} with {2}?', formatBytes(bytes), namesOf(plan.folders), plan.trackerShown)
      : vscode.l10n.t('Share {0} files ({1}) from {2} with {3}?', n, formatBytes(bytes), namesOf(plan.folders), plan.trackerShown);
  const who = teamKeyOf(plan.announce)
    ? vscode.l10n.t('Teammates who hold this tracker\'s team key can download them.')
    : vscode.l10n.t('This tracker has no team key: anyone who can reach it can list and download them.');
  const never = vscode.l10n.t('Never shared: .env files, keys, certificates, credentials and tokens, .git, node_modules, and your sta.exclude patterns.');
  const once =
    plan.folders.length === 1 ? vscode.l10n.t('STA asks once for this folder and tracker.') : vscode.l10n.t('STA asks once for these folders and tracker.');
  return { message, detail: `${who}\n${never}\n${once}` };
}

/** `a`, `a and b`, `a, b and c`: each folder as its catalog paths start (`app (2)` for a second `app`) */
function namesOf(folders: FolderPlan[]): string {
  const names = folders.map((f) => displayText(f.prefix ?? f.name));
  return names.length <= 1 ? names.join('') : vscode.l10n.t('{0} and {1}', names.slice(0, -1).join(', '), names[names.length - 1]);
}

export class ShareConsent {
  /** Puts the question to the user; extension-host tests answer it in the user's place. */
  ask: (message: string, detail: string) => Promise<ShareAnswer> = askModal;

  constructor(private readonly memory: vscode.Memento) {}

  /** True once the user said Share to each folder of the plan with its tracker, now or before. */
  async confirm(plan: SharePlan): Promise<boolean> {
    const keyOf = (f: FolderPlan) => `${f.root}\n${plan.trackerShown}`;
    const said = this.memory.get<string[]>(StoreKeys.sharedWith) ?? [];
    const asked = plan.folders.filter((f) => !said.includes(keyOf(f)));
    if (asked.length === 0) return true;
    const { message, detail } = questionOf({ ...plan, folders: asked });
    for (;;) {
      const answer = await this.ask(message, detail);
      if (answer === 'share') {
        await this.memory.update(StoreKeys.sharedWith, [...said, ...asked.map(keyOf)]);
        return true;
      }
      if (answer !== 'showFiles') return false;
      await showFiles({ ...plan, folders: asked });
    }
  }
}
