// Pause, Resume, Cancel, Reveal in Explorer, Clear Finished — on Transfers items.
import * as vscode from 'vscode';
import type { StaService } from '../staService';
import type { SharedItem } from '../views/sharedView';
import type { TransferItem } from '../views/transfersView';

export async function pauseTransfer(service: StaService, item?: TransferItem): Promise<void> {
  if (item) await service.pause(item.transfer);
}

export async function resumeTransfer(service: StaService, item?: TransferItem): Promise<void> {
  if (!item) return;
  try {
    await service.resume(item.transfer);
  } catch (e) {
    void vscode.window.showErrorMessage(`STA: could not resume ${item.transfer.name}: ${(e as Error).message}`);
  }
}

export async function cancelTransfer(service: StaService, item?: TransferItem): Promise<void> {
  if (!item) return;
  const t = item.transfer;
  if (t.kind === 'download' && !t.done) {
    const pick = await vscode.window.showWarningMessage(`Cancel the download of ${t.name}? What was downloaded so far is deleted.`, { modal: true }, 'Cancel Download');
    if (pick !== 'Cancel Download') return;
  }
  await service.cancel(t);
}

export async function revealTransfer(item?: TransferItem | SharedItem): Promise<void> {
  const path = item && ('transfer' in item ? item.transfer.path : item.entry.path);
  if (path) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path));
}
