// "STA: <name> downloaded and verified." with Reveal in Explorer, once per finished download.
import * as vscode from 'vscode';
import { displayText } from '../core/api';
import { Disposable } from './lifecycle';
import type { Transfers } from './model/transfers';

export class DownloadNotification extends Disposable {
  constructor(transfers: Transfers) {
    super();
    this.register(
      transfers.onDidFinish((t) => {
        if (t.kind !== 'download' || !t.path) return;
        const file = vscode.Uri.file(t.path);
        const message = vscode.l10n.t('STA: {0} downloaded and verified.', displayText(t.name));
        void vscode.window.showInformationMessage(message, vscode.l10n.t('Reveal in Explorer')).then(
          (pick) => pick && vscode.commands.executeCommand('revealInExplorer', file),
        );
      }),
    );
  }
}
