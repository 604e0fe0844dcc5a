// STA: Request — catalog files picked in a QuickPick (several at once, matched by path), the Tracker Files file
// it was run on, or a Tracker Files folder (everything under it, once the user confirms the count and size).
// A file marked "update available" replaces the workspace's older version, reusing the pieces that match.
import * as vscode from 'vscode';
import { type CatalogFileJson, displayText, ExistingFileError, formatBytes } from '../../core/api';
import { Commands } from '../constants';
import { type Mark, MARK_LOOK, markOf } from '../model/catalogMarks';
import { pathParts } from '../model/pathTree';
import type { StaService } from '../model/staService';
import { type RemoteFileItem, RemoteFolderItem } from '../views/trackerFilesView';

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

function markFor(service: StaService, f: CatalogFileJson): Mark {
  return markOf(f, service.transfers.landing(f)?.shownAs, service.local);
}

async function pickFiles(service: StaService): Promise<CatalogFileJson[]> {
  const { catalog } = service;
  await catalog.refresh();
  if (catalog.error) {
    void vscode.window.showErrorMessage(`STA: the tracker's catalog could not be read: ${catalog.error}`);
    return [];
  }
  if (catalog.files.length === 0) {
    void vscode.window.showInformationMessage('STA: nobody shares anything on this tracker yet.');
    return [];
  }
  const items = catalog.tree.entriesUnder().map((f) => {
    const look = MARK_LOOK[markFor(service, f)];
    return {
      label: `$(${look.icon}) ${displayText(pathParts(f.path).pop() ?? f.name)}`,
      description: displayText(f.path),
      detail: `${formatBytes(f.length)} · ${f.seeders} seeding · ${look.text}`,
      file: f,
    };
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'STA: Request',
    placeHolder: 'Files to download into this workspace (type part of a path; Space picks several)',
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.map((p) => p.file) ?? [];
}

/** Everything under a Tracker Files folder not already here, once the user says yes to its count and size. */
async function folderFiles(service: StaService, item: RemoteFolderItem): Promise<CatalogFileJson[]> {
  const where = `${displayText(item.node.path)}/`;
  const all = service.catalog.tree.entriesUnder(item.node.path);
  const marks = all.map((f) => markFor(service, f));
  const wanted = all.filter((_, i) => marks[i] !== 'inWorkspace');
  if (wanted.length === 0) {
    void vscode.window.showInformationMessage(`STA: everything under ${where} is in the workspace already.`);
    return [];
  }
  const bytes = wanted.reduce((sum, f) => sum + f.length, 0);
  const updates = marks.filter((m) => m === 'updateAvailable').length;
  const here = all.length - wanted.length;
  const detail = [
    updates ? `${plural(updates, 'file')} replace an older version in the workspace, reusing the pieces that match.` : '',
    here ? `${plural(here, 'file')} already in the workspace ${here === 1 ? 'is' : 'are'} left as ${here === 1 ? 'it is' : 'they are'}.` : '',
  ].filter(Boolean).join('\n');
  const question = `Download ${plural(wanted.length, 'file')} (${formatBytes(bytes)}) under ${where}?`;
  const pick = await vscode.window.showInformationMessage(question, { modal: true, detail: detail || undefined }, 'Download');
  return pick === 'Download' ? wanted : [];
}

export async function requestCommand(service: StaService, item?: RemoteFileItem | RemoteFolderItem | CatalogFileJson): Promise<void> {
  if (!service.running) {
    const pick = await vscode.window.showInformationMessage('STA is not running: start it to see the tracker\'s files.', 'Start');
    if (pick) await vscode.commands.executeCommand(Commands.start);
    if (!service.running) return;
  }
  let files: CatalogFileJson[];
  if (item instanceof RemoteFolderItem) files = await folderFiles(service, item);
  else if (item) files = ['file' in item ? item.file : item];
  else files = await pickFiles(service);
  await requestFiles(service, files);
}

/** Downloads each file: an update where the workspace has an older version; one question for those in the way of a different file. */
export async function requestFiles(service: StaService, files: CatalogFileJson[]): Promise<void> {
  const blocked: { file: CatalogFileJson; path: string }[] = [];
  for (const file of files) {
    const name = displayText(file.path);
    const mark = markFor(service, file);
    if (mark === 'inWorkspace') {
      const shared = service.shares.get(file.infoHash);
      const where = shared ? ` (${displayText(shared.catalogPath)})` : '';
      if (files.length === 1) void vscode.window.showInformationMessage(`STA: you already have ${name}${where}; it is being seeded.`);
      continue;
    }
    try {
      const t = await service.transfers.request(file, mark === 'updateAvailable' ? 'update' : 'refuse');
      const same = `STA: ${name} is already in the workspace with the same content; seeding it.`;
      if (t.done && files.length === 1) void vscode.window.showInformationMessage(same);
    } catch (e) {
      if (e instanceof ExistingFileError) blocked.push({ file, path: e.path });
      else void vscode.window.showErrorMessage(`STA: could not download ${name}: ${displayText((e as Error).message)}`);
    }
  }
  if (blocked.length > 0) await askAboutExisting(service, blocked);
}

/** A different file, not shared, is where downloads would land: save beside it, update it (the user's choice), or leave it. */
async function askAboutExisting(service: StaService, blocked: { file: CatalogFileJson; path: string }[]): Promise<void> {
  const what = blocked.length === 1 ? `${displayText(blocked[0].path)} already exists` : `${plural(blocked.length, 'file')} already exist`;
  const message = `${what} with different content. STA will not overwrite ${blocked.length === 1 ? 'it' : 'them'} unless you choose Update.`;
  const beside = blocked.length === 1 ? 'Save Beside It' : 'Save Beside Them';
  const update = blocked.length === 1 ? 'Update It' : 'Update Them';
  const pick = await vscode.window.showWarningMessage(message, beside, update, 'Cancel');
  if (pick !== beside && pick !== update) return;
  for (const { file } of blocked) {
    try {
      await service.transfers.request(file, pick === beside ? 'suffix' : 'update');
    } catch (e) {
      void vscode.window.showErrorMessage(`STA: could not download ${displayText(file.path)}: ${displayText((e as Error).message)}`);
    }
  }
}
