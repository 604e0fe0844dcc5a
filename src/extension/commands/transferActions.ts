// Pause, Resume, Cancel, Reveal in Explorer, Clear Finished — on Transfers items. Pause, Resume and Cancel act on
// every selected row: VS Code passes the clicked row and the selection (item, items[]).
import * as vscode from 'vscode';
import { displayText } from '../../core/api';
import type { StaService } from '../model/staService';
import { rowsToActOn } from './rowSelection';
import type { Transfer } from '../model/transfers';
import type { SharedItem } from '../views/sharedView';
import type { TransferItem } from '../views/transfersView';

const isTransferRow = (x: unknown): x is TransferItem => !!x && typeof x === 'object' && 'transfer' in x;

/** The transfers a command acts on: the selection when the clicked row is in it, else the clicked row. */
function targetsOf(item?: TransferItem, items?: readonly unknown[]): Transfer[] {
  return rowsToActOn(item, items, isTransferRow, (r) => r.transfer.infoHash).map((r) => r.transfer);
}

export async function pauseTransfer(service: StaService, item?: TransferItem, items?: readonly unknown[]): Promise<void> {
  for (const t of targetsOf(item, items)) await service.transfers.pause(t);
}

export async function resumeTransfer(service: StaService, item?: TransferItem, items?: readonly unknown[]): Promise<void> {
  for (const t of targetsOf(item, items)) {
    try {
      // a transfer stopped with STA resumes once STA runs again
      if (!service.running) await service.start();
      await service.transfers.resume(t);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('STA: could not resume {0}: {1}', displayText(t.name), (e as Error).message));
    }
  }
}

export async function cancelTransfer(service: StaService, item?: TransferItem, items?: readonly unknown[]): Promise<void> {
  const targets = targetsOf(item, items);
  const unfinished = targets.filter((t) => t.kind === 'download' && !t.done);
  if (unfinished.length > 0) {
    const question =
      unfinished.length === 1
        ? vscode.l10n.t('Cancel the download of {0}? What was downloaded so far is deleted.', displayText(unfinished[0].name))
        : vscode.l10n.t('Cancel {0} downloads? What was downloaded so far is deleted.', unfinished.length);
    const cancel = vscode.l10n.t('Cancel Download');
    const pick = await vscode.window.showWarningMessage(question, { modal: true }, cancel);
    if (pick !== cancel) return;
  }
  for (const t of targets) await service.transfers.cancel(t);
}

export async function revealTransfer(item?: TransferItem | SharedItem): Promise<void> {
  const path = item && ('transfer' in item ? item.transfer.path : item.entry.path);
  if (path) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path));
}
