// Pause, Resume, Cancel, Reveal in Explorer, Clear Finished — on Transfers items.
import * as vscode from 'vscode';
import { displayText } from '../../core/api';
import type { StaService } from '../model/staService';
import type { SharedItem } from '../views/sharedView';
import type { TransferItem } from '../views/transfersView';

export async function pauseTransfer(service: StaService, item?: TransferItem): Promise<void> {
  if (item) await service.transfers.pause(item.transfer);
}

export async function resumeTransfer(service: StaService, item?: TransferItem): Promise<void> {
  if (!item) return;
  try {
    // a transfer stopped with STA resumes once STA runs again
    if (!service.running) await service.start();
    await service.transfers.resume(item.transfer);
  } catch (e) {
    void vscode.window.showErrorMessage(`STA: could not resume ${displayText(item.transfer.name)}: ${(e as Error).message}`);
  }
}

export async function cancelTransfer(service: StaService, item?: TransferItem): Promise<void> {
  if (!item) return;
  const t = item.transfer;
  if (t.kind === 'download' && !t.done) {
    const question = `Cancel the download of ${displayText(t.name)}? What was downloaded so far is deleted.`;
    const pick = await vscode.window.showWarningMessage(question, { modal: true }, 'Cancel Download');
    if (pick !== 'Cancel Download') return;
  }
  await service.transfers.cancel(t);
}

export async function revealTransfer(item?: TransferItem | SharedItem): Promise<void> {
  const path = item && ('transfer' in item ? item.transfer.path : item.entry.path);
  if (path) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path));
}
