// Share via STA (Explorer), Copy Magnet Link, Export .torrent.
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { displayText, magnetUri, type Metainfo } from '../../core/api';
import type { StaService } from '../model/staService';
import { RemoteFileItem } from '../views/trackerFilesView';
import { SharedItem } from '../views/sharedView';
import { TransferItem } from '../views/transfersView';

type FileItem = RemoteFileItem | SharedItem | TransferItem;

/** How long "magnet link copied" / "wrote …" stay in the status bar. */
const STATUS_MESSAGE_MS = 4000;

async function metaOf(service: StaService, item: FileItem): Promise<Metainfo> {
  if (item instanceof SharedItem) return item.entry.meta;
  if (item instanceof TransferItem) return item.transfer.meta;
  return service.catalog.metainfoOf(item.file.infoHash);
}

export async function shareFileCommand(service: StaService, uri?: vscode.Uri): Promise<void> {
  uri ??= vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') return void vscode.window.showErrorMessage(vscode.l10n.t('STA: choose a file on disk to share.'));
  try {
    if (!service.running) await service.start();
    const e = await service.shares.shareFile(uri.fsPath);
    void service.catalog.refresh();
    void vscode.window.showInformationMessage(vscode.l10n.t('STA: sharing {0}.', displayText(e.catalogPath)), vscode.l10n.t('Copy Magnet Link')).then(
      (p) => (p ? vscode.env.clipboard.writeText(magnetUri(e.meta)) : undefined),
    );
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('STA: {0}', (e as Error).message));
  }
}

export async function copyMagnetCommand(service: StaService, item?: FileItem): Promise<void> {
  if (!item) return;
  try {
    const meta = await metaOf(service, item);
    await vscode.env.clipboard.writeText(magnetUri(meta));
    void vscode.window.setStatusBarMessage(vscode.l10n.t('STA: magnet link of {0} copied', displayText(meta.name)), STATUS_MESSAGE_MS);
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('STA: {0}', (e as Error).message));
  }
}

export async function exportTorrentCommand(service: StaService, item?: FileItem): Promise<void> {
  if (!item) return;
  try {
    const meta = await metaOf(service, item);
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(`${meta.name}.torrent`),
      filters: { [vscode.l10n.t('Torrent')]: ['torrent'] },
      title: vscode.l10n.t('Export {0}.torrent', displayText(meta.name)),
    });
    if (!target) return;
    await fsp.writeFile(target.fsPath, meta.torrent);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('STA: wrote {0}', target.fsPath), STATUS_MESSAGE_MS);
  } catch (e) {
    void vscode.window.showErrorMessage(vscode.l10n.t('STA: {0}', (e as Error).message));
  }
}
