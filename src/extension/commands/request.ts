// STA: Request — pick a catalog file (or the tree item it was run on) and download it.
import * as vscode from 'vscode';
import { type CatalogFileJson, displayText, ExistingFileError, formatBytes } from '../../core/api';
import { Commands } from '../constants';
import type { StaService } from '../model/staService';
import type { RemoteFileItem } from '../views/trackerFilesView';

async function pickFile(service: StaService): Promise<CatalogFileJson | undefined> {
  const { catalog } = service;
  await catalog.refresh();
  if (catalog.error) {
    void vscode.window.showErrorMessage(`STA: the tracker's catalog could not be read: ${catalog.error}`);
    return undefined;
  }
  if (catalog.files.length === 0) {
    void vscode.window.showInformationMessage('STA: nobody shares anything on this tracker yet.');
    return undefined;
  }
  const items = catalog.files.map((f) => ({
    label: displayText(service.transfers.landingPath(f.name) ?? f.name),
    description: `${formatBytes(f.length)} · ${f.seeders} seeding${service.hasLocally(f.infoHash) ? ' · in workspace' : ''}`,
    detail: f.infoHash,
    file: f,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'STA: Request',
    placeHolder: 'File to download into this workspace',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.file;
}

export async function requestCommand(service: StaService, item?: RemoteFileItem | CatalogFileJson): Promise<void> {
  if (!service.running) {
    const pick = await vscode.window.showInformationMessage('STA is not running: start it to see the tracker\'s files.', 'Start');
    if (pick) await vscode.commands.executeCommand(Commands.start);
    if (!service.running) return;
  }
  const file = item ? ('file' in item ? item.file : item) : await pickFile(service);
  if (!file) return;
  const name = displayText(file.name);
  const shared = service.shares.get(file.infoHash);
  if (shared) {
    void vscode.window.showInformationMessage(`STA: you already have ${name} (${displayText(shared.relPath)}); it is being seeded.`);
    return;
  }
  try {
    const t = await service.transfers.request(file);
    if (t.done) void vscode.window.showInformationMessage(`STA: ${name} is already in the workspace with the same content; seeding it.`);
  } catch (e) {
    if (e instanceof ExistingFileError) {
      const message = `${displayText(e.path)} already exists with different content. STA will not overwrite it.`;
      const pick = await vscode.window.showWarningMessage(message, 'Save Beside It', 'Cancel');
      if (pick === 'Save Beside It') {
        try {
          await service.transfers.request(file, 'suffix');
        } catch (e2) {
          void vscode.window.showErrorMessage(`STA: could not download ${name}: ${displayText((e2 as Error).message)}`);
        }
      }
      return;
    }
    void vscode.window.showErrorMessage(`STA: could not download ${name}: ${displayText((e as Error).message)}`);
  }
}
