// The rows of Tracker Files: a folder of the catalog (file count, total size) and a catalog file with its
// mark (in workspace ✓, update available ↻, or not here), told by icon, text and screen-reader label alike.
import * as vscode from 'vscode';
import { type CatalogFileJson, displayText, formatBytes } from '../../core/api';
import { MARK_LOOK, type Mark } from '../model/catalogMarks';
import type { FolderNode } from '../model/pathTree';
import { Commands, ItemContext } from '../constants';
import { inertMarkdown as inert } from '../markdownText';

const filesText = (n: number) => `${n.toLocaleString('en-US')} file${n === 1 ? '' : 's'}`;

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
    this.tooltip = `${displayText(node.path)}/\n${summary}`;
    this.accessibilityInformation = { label: `folder ${displayText(node.path)}, ${summary}` };
    this.contextValue = ItemContext.remoteFolder;
  }
}

export class RemoteFileItem extends vscode.TreeItem {
  /** `landsAt`: where Request puts it, as a path of this workspace; undefined when it cannot be saved here */
  constructor(readonly file: CatalogFileJson, name: string, readonly mark: Mark, landsAt: string | undefined) {
    super(displayText(name), vscode.TreeItemCollapsibleState.None);
    this.id = `file:${file.path}\n${file.infoHash}`;
    const look = MARK_LOOK[mark];
    const size = formatBytes(file.length);
    this.description = `${size} · ${file.seeders} seeding, ${file.leechers} downloading · ${look.text}`;
    this.tooltip = new vscode.MarkdownString(
      [
        `**${inert(file.path)}** — ${inert(look.text)}`,
        landsAt ? `downloads to ${inert(landsAt)}` : 'its path cannot be saved safely in this workspace',
        `${size} in ${file.pieceCount} pieces · ${file.seeders} seeders, ${file.leechers} leechers, downloaded ${file.completed}×`,
        `torrent name ${inert(file.name)} · info-hash ${inert(file.infoHash)}`,
        `published ${new Date(file.publishedAt).toLocaleString()}`,
      ].join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(look.icon);
    this.accessibilityInformation = { label: `${displayText(file.path)}, ${size}, ${look.spoken}, ${file.seeders} seeding` };
    this.contextValue = CONTEXT[mark];
    this.command = { command: Commands.request, title: 'Request', arguments: [this] };
  }
}

export class MessageItem extends vscode.TreeItem {
  constructor(label: string, icon: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.tooltip = tooltip;
  }
}
