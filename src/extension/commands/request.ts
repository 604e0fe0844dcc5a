// STA: Request — catalog files picked in a QuickPick (several at once, matched by path), the Tracker Files file
// it was run on, or a Tracker Files folder (everything under it, once the user confirms the count and size).
// A folder shared as one torrent, asked for alone, first lists its files: the user keeps those they want.
// A file marked "update available" replaces the workspace's older version, reusing the pieces that match.
import * as vscode from 'vscode';
import { type CatalogFileJson, displayText, ExistingFileError, formatBytes, type Metainfo } from '../../core/api';
import { Commands } from '../constants';
import { type Mark, markLooks, markOf } from '../model/catalogMarks';
import { pathParts } from '../model/pathTree';
import type { StaService } from '../model/staService';
import { type RemoteFileItem, RemoteFolderItem } from '../views/trackerFilesView';

const filesText = (n: number) => (n === 1 ? vscode.l10n.t('1 file') : vscode.l10n.t('{0} files', n.toLocaleString('en-US')));

function markFor(service: StaService, f: CatalogFileJson): Mark {
  return markOf(f, service.transfers.landing(f)?.shownAs, service.local);
}

async function pickFiles(service: StaService): Promise<CatalogFileJson[]> {
  const { catalog } = service;
  await catalog.refresh();
  if (catalog.error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('STA: the tracker\'s catalog could not be read: {0}', catalog.error));
    return [];
  }
  if (catalog.files.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('STA: nobody shares anything on this tracker yet.'));
    return [];
  }
  const looks = markLooks(vscode.l10n);
  const items = catalog.tree.entriesUnder().map((f) => {
    const look = looks[markFor(service, f)];
    return {
      label: `$(${look.icon}) ${displayText(pathParts(f.path).pop() ?? f.name)}`,
      description: displayText(f.path),
      detail: vscode.l10n.t('{0} · {1} seeding · {2}', formatBytes(f.length), f.seeders, look.text),
      file: f,
    };
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('STA: Request'),
    placeHolder: vscode.l10n.t('Files to download into this workspace (type part of a path; Space picks several)'),
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
    void vscode.window.showInformationMessage(vscode.l10n.t('STA: everything under {0} is in the workspace already.', where));
    return [];
  }
  const bytes = wanted.reduce((sum, f) => sum + f.length, 0);
  const updates = marks.filter((m) => m === 'updateAvailable').length;
  const here = all.length - wanted.length;
  const detail = [
    updates ? vscode.l10n.t('{0} replace an older version in the workspace, reusing the pieces that match.', filesText(updates)) : '',
    here === 1 ? vscode.l10n.t('1 file already in the workspace is left as it is.') : '',
    here > 1 ? vscode.l10n.t('{0} already in the workspace are left as they are.', filesText(here)) : '',
  ].filter(Boolean).join('\n');
  const question = vscode.l10n.t('Download {0} ({1}) under {2}?', filesText(wanted.length), formatBytes(bytes), where);
  const download = vscode.l10n.t('Download');
  const pick = await vscode.window.showInformationMessage(question, { modal: true, detail: detail || undefined }, download);
  return pick === download ? wanted : [];
}

/** Asks which files of a folder torrent to download (every file picked at first); undefined: cancelled. */
export type FilePicker = (meta: Metainfo) => Promise<string[] | undefined>;

/** The questions Request puts to the user; extension-host tests answer them in the user's place. */
export class RequestQuestions {
  /** "… already exists with different content": save beside it, update it, or leave it (undefined) */
  existing = async (message: string, beside: string, update: string): Promise<'beside' | 'update' | undefined> => {
    const pick = await vscode.window.showWarningMessage(message, beside, update, vscode.l10n.t('Cancel'));
    return pick === beside ? 'beside' : pick === update ? 'update' : undefined;
  };

  /** `pickFiles`: a folder torrent's files to keep (the magnet box's list) */
  constructor(readonly pickFiles?: FilePicker) {}
}

export async function requestCommand(
  service: StaService,
  item?: RemoteFileItem | RemoteFolderItem | CatalogFileJson,
  ask = new RequestQuestions(),
): Promise<void> {
  if (!service.running) {
    const pick = await vscode.window.showInformationMessage(vscode.l10n.t('STA is not running: start it to see the tracker\'s files.'), vscode.l10n.t('Start'));
    if (pick) await vscode.commands.executeCommand(Commands.start);
    if (!service.running) return;
  }
  let files: CatalogFileJson[];
  if (item instanceof RemoteFolderItem) files = await folderFiles(service, item);
  else if (item) files = ['file' in item ? item.file : item];
  else files = await pickFiles(service);
  await requestFiles(service, files, ask);
}

/**
 * Downloads each file: an update where the workspace has an older version; one question for those in the way of a
 * different file. One folder torrent asked for alone (not yet here) first lists its files to pick from (`pickIn`).
 */
export async function requestFiles(service: StaService, files: CatalogFileJson[], ask: RequestQuestions): Promise<void> {
  const pickIn = ask.pickFiles;
  const blocked: Blocked[] = [];
  for (const file of files) {
    const name = displayText(file.path);
    const mark = markFor(service, file);
    if (mark === 'inWorkspace') {
      const shared = service.shares.get(file.infoHash);
      const have = shared
        ? vscode.l10n.t('STA: you already have {0} ({1}); it is being seeded.', name, displayText(shared.catalogPath))
        : vscode.l10n.t('STA: you already have {0}; it is being seeded.', name);
      if (files.length === 1) void vscode.window.showInformationMessage(have);
      continue;
    }
    let picked: Blocked['picked'];
    try {
      const pick = files.length === 1 && mark === 'missing' && pickIn && !service.transfers.running(file.infoHash);
      const answer = pick ? await pickedFiles(service, file, pickIn) : mark === 'updateAvailable' ? await keptBefore(service, file) : undefined;
      if (answer === CANCELLED) return;
      picked = answer;
      const t = await service.transfers.request(file, mark === 'updateAvailable' ? 'update' : 'refuse', picked?.select, picked?.meta);
      const same = vscode.l10n.t('STA: {0} is already in the workspace with the same content; seeding it.', name);
      if (t.done && files.length === 1) void vscode.window.showInformationMessage(same);
    } catch (e) {
      if (e instanceof ExistingFileError) blocked.push({ file, path: e.path, picked });
      else void vscode.window.showErrorMessage(vscode.l10n.t('STA: could not download {0}: {1}', name, displayText((e as Error).message)));
    }
  }
  if (blocked.length > 0) await askAboutExisting(service, blocked, ask);
}

const CANCELLED = 'cancelled';

/** A folder torrent's files offered to pick from; `select` undefined when all are kept (or it is one file). */
async function pickedFiles(service: StaService, file: CatalogFileJson, pickIn: FilePicker): Promise<{ meta: Metainfo; select?: string[] } | typeof CANCELLED> {
  const meta = await service.catalog.metainfoOf(file.infoHash);
  if (!meta.multiFile || meta.files.length < 2) return { meta };
  const picked = await pickIn(meta);
  if (!picked || picked.length === 0) return CANCELLED;
  return { meta, select: picked.length < meta.files.length ? picked : undefined };
}

/**
 * An update of a folder torrent of which only some files were downloaded here: the same files, where the new
 * version still has them (all of it when it has none of them).
 */
async function keptBefore(service: StaService, file: CatalogFileJson): Promise<{ meta: Metainfo; select?: string[] } | undefined> {
  const at = service.transfers.landing(file)?.shownAs;
  const older = service.transfers.values().find((t) => t.done && t.target?.select && t.target.catalogPath === at);
  if (!older) return undefined;
  const meta = await service.catalog.metainfoOf(file.infoHash);
  const paths = new Set(meta.files.map((f) => f.path));
  const select = older.target!.select!.filter((p) => paths.has(p));
  return { meta, select: select.length > 0 && select.length < meta.files.length ? select : undefined };
}

/** A download that found a different file (or folder) where it would land; `picked`: the files the user kept of a folder torrent. */
interface Blocked {
  file: CatalogFileJson;
  path: string;
  picked?: { meta: Metainfo; select?: string[] };
}

/** A different file, not shared, is where downloads would land: save beside it, update it (the user's choice), or leave it. */
async function askAboutExisting(service: StaService, blocked: Blocked[], ask: RequestQuestions): Promise<void> {
  const one = blocked.length === 1;
  const message = one
    ? vscode.l10n.t('{0} already exists with different content. STA will not overwrite it unless you choose Update.', displayText(blocked[0].path))
    : vscode.l10n.t('{0} already exist with different content. STA will not overwrite them unless you choose Update.', filesText(blocked.length));
  const beside = one ? vscode.l10n.t('Save Beside It') : vscode.l10n.t('Save Beside Them');
  const update = one ? vscode.l10n.t('Update It') : vscode.l10n.t('Update Them');
  const pick = await ask.existing(message, beside, update);
  if (!pick) return;
  for (const { file, picked } of blocked) {
    try {
      await service.transfers.request(file, pick === 'beside' ? 'suffix' : 'update', picked?.select, picked?.meta);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('STA: could not download {0}: {1}', displayText(file.path), displayText((e as Error).message)));
    }
  }
}
