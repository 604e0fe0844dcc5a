// The window progress "STA: hashing shared files" while STA hashes the files it is about to share.
import * as vscode from 'vscode';
import { displayText } from '../core/api';
import { Disposable, toDisposable } from './lifecycle';
import type { HashingProgress as Hashing, WorkspaceShares } from './model/workspaceShares';

export class HashingProgress extends Disposable {
  private report?: (message: string) => void;
  private finish?: () => void;

  constructor(shares: WorkspaceShares) {
    super();
    this.register(shares.onDidChangeHashing((h) => (h ? this.show(h) : this.end())));
    this.register(toDisposable(() => this.end()));
  }

  private show(h: Hashing): void {
    if (!this.report) this.begin();
    this.report!(`${h.index + 1}/${h.total} ${displayText(h.relPath)}`);
  }

  private begin(): void {
    let progress: vscode.Progress<{ message?: string }> | undefined;
    let first: string | undefined;
    const finished = new Promise<void>((resolve) => (this.finish = resolve));
    // the task may start after the first report: that one waits for it
    this.report = (message) => (progress ? progress.report({ message }) : (first = message));
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('STA: hashing shared files') }, (p) => {
      progress = p;
      if (first) p.report({ message: first });
      return finished;
    });
  }

  private end(): void {
    this.finish?.();
    this.finish = this.report = undefined;
  }
}
