// The first Start in a workspace asks: "Share N files (X MB) from FOLDER with TRACKER?" — Share, Show
// Files (then asks again) or Cancel. A Share is remembered per folder and tracker (workspaceState).
import * as vscode from 'vscode';
import { displayText, formatBytes, type SharedFile, teamKeyOf } from '../core/api';
import { StoreKeys } from './constants';

/** What Start is about to share, counted by a scan (nothing hashed yet). */
export interface SharePlan {
  root: string;
  folderName: string;
  /** the announce URL STA uses (the key is never shown) */
  announce: string;
  /** the same without its key */
  trackerShown: string;
  files: SharedFile[];
}

export type ShareAnswer = 'share' | 'showFiles' | undefined;

const SHARE = 'Share';
const SHOW_FILES = 'Show Files';

/** The modal question; Cancel (or Escape) is VS Code's own button. */
async function askModal(message: string, detail: string): Promise<ShareAnswer> {
  const pick = await vscode.window.showWarningMessage(message, { modal: true, detail }, SHARE, SHOW_FILES);
  return pick === SHARE ? 'share' : pick === SHOW_FILES ? 'showFiles' : undefined;
}

/** The relative paths, one a line, in an untitled document beside the question. */
async function showFiles(plan: SharePlan): Promise<void> {
  const head = `# STA would share these ${plan.files.length} files of ${plan.root} with ${plan.trackerShown}\n`;
  const content = head + plan.files.map((f) => `${displayText(f.relPath)}\t${formatBytes(f.size)}`).join('\n') + '\n';
  const doc = await vscode.workspace.openTextDocument({ content, language: 'plaintext' });
  await vscode.window.showTextDocument(doc, { preview: true });
}

export function questionOf(plan: SharePlan): { message: string; detail: string } {
  const n = plan.files.length;
  const bytes = plan.files.reduce((sum, f) => sum + f.size, 0);
  const message = `Share ${n} file${n === 1 ? '' : 's'} (${formatBytes(bytes)}) from ${displayText(plan.folderName)} with ${plan.trackerShown}?`;
  const who = teamKeyOf(plan.announce)
    ? 'Teammates who hold this tracker\'s team key can download them.'
    : 'This tracker has no team key: anyone who can reach it can list and download them.';
  const never = 'Never shared: .env files, keys, certificates, credentials and tokens, .git, node_modules, and your sta.exclude patterns.';
  return { message, detail: `${who}\n${never}\nSTA asks once for this folder and tracker.` };
}

export class ShareConsent {
  /** Puts the question to the user; extension-host tests answer it in the user's place. */
  ask: (message: string, detail: string) => Promise<ShareAnswer> = askModal;

  constructor(private readonly memory: vscode.Memento) {}

  /** True once the user said Share to this folder and tracker, now or before. */
  async confirm(plan: SharePlan): Promise<boolean> {
    const key = `${plan.root}\n${plan.trackerShown}`;
    const said = this.memory.get<string[]>(StoreKeys.sharedWith) ?? [];
    if (said.includes(key)) return true;
    const { message, detail } = questionOf(plan);
    for (;;) {
      const answer = await this.ask(message, detail);
      if (answer === 'share') {
        await this.memory.update(StoreKeys.sharedWith, [...said, key]);
        return true;
      }
      if (answer !== 'showFiles') return false;
      await showFiles(plan);
    }
  }
}
