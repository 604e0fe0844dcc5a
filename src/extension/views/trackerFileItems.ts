// The rows of Tracker Files: a folder of the catalog (file count, total size) and a catalog file with its
// mark (in workspace ✓, update available ↻, or not here), told by icon, text and screen-reader label alike.
import * as vscode from 'vscode';
import { type CatalogFileJson, displayText, formatBytes } from '../../core/api';
import { type Mark, markLooks } from '../model/catalogMarks';
import type { FolderNode } from '../model/pathTree';
import { Commands, ItemContext } from '../constants';
import { inertMarkdown as inert } from '../markdownText';
import { spokenSize } from '../spokenText';

const filesText = (n: number) => (n === 1 ? vscode.l10n.t('1 file') : vscode.l10n.t('{0} files', n.toLocaleString('en-US')));

const CONTEXT: Record<Mark, string> = {
  inWorkspace: ItemContext.remoteFileLocal,
  updateAvailable: ItemContext.remoteFileUpdate,
  missing: ItemContext.remoteFile,
};

export class RemoteFolderItem extends vscode.TreeItem {
  constructor(readonly node: FolderNode) {
    super(displayText(node.name), vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `folder:${node.path}`;
    const summary = `${filesText(node.files)} · ${formatBytes(node.bytes)}`;
    this.description = summary;
    this.iconPath = vscode.ThemeIcon.Folder;
    this.tooltip = new vscode.MarkdownString(`**${inert(node.path)}/**\n\n${summary}`);
    const label = vscode.l10n.t('folder {0}, {1}, {2}', displayText(node.path), filesText(node.files), spokenSize(node.bytes, vscode.l10n));
    this.accessibilityInformation = { label };
    this.contextValue = ItemContext.remoteFolder;
  }
}

export class RemoteFileItem extends vscode.TreeItem {
  /** `landsAt`: where Request puts it, as a path of this workspace; undefined when it cannot be saved here */
  constructor(readonly file: CatalogFileJson, name: string, readonly mark: Mark, landsAt: string | undefined) {
    super(displayText(name), vscode.TreeItemCollapsibleState.None);
    this.id = `file:${file.path}\n${file.infoHash}`;
    const look = markLooks(vscode.l10n)[mark];
    const size = formatBytes(file.length);
    this.description = vscode.l10n.t('{0} · {1} seeding, {2} downloading · {3}', size, file.seeders, file.leechers, look.text);
    this.tooltip = new vscode.MarkdownString(
      [
        `**${inert(file.path)}** — ${inert(look.text)}`,
        landsAt ? vscode.l10n.t('downloads to {0}', inert(landsAt)) : vscode.l10n.t('its path cannot be saved safely in this workspace'),
        vscode.l10n.t('{0} in {1} pieces · {2} seeders, {3} leechers, downloaded {4}×', size, file.pieceCount, file.seeders, file.leechers, file.completed),
        vscode.l10n.t('torrent name {0} · info-hash {1}', inert(file.name), inert(file.infoHash)),
        vscode.l10n.t('published {0}', new Date(file.publishedAt).toLocaleString()),
      ].join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(look.icon);
    const label = vscode.l10n.t('{0}, {1}, {2}, {3} seeding', displayText(file.path), spokenSize(file.length, vscode.l10n), look.spoken, file.seeders);
    this.accessibilityInformation = { label };
    this.contextValue = CONTEXT[mark];
    this.command = { command: Commands.request, title: vscode.l10n.t('Request'), arguments: [this] };
  }
}

export class MessageItem extends vscode.TreeItem {
  constructor(label: string, icon: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.tooltip = tooltip;
  }
}
