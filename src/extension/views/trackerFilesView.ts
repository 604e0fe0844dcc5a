// Tracker Files: the catalog; clicking a file requests it.
import * as vscode from 'vscode';
import { type CatalogFileJson, formatBytes } from '../../core/api';
import { Commands, ContextKeys, ItemContext, Views } from '../constants';
import { Disposable } from '../lifecycle';
import type { StaService } from '../model/staService';

export class RemoteFileItem extends vscode.TreeItem {
  constructor(readonly file: CatalogFileJson, local: boolean) {
    super(file.path, vscode.TreeItemCollapsibleState.None);
    this.id = file.infoHash;
    this.description = `${formatBytes(file.length)} · ${file.seeders} seeding, ${file.leechers} downloading${local ? ' · in workspace' : ''}`;
    this.tooltip = new vscode.MarkdownString(
      [
        `**${file.name}**`,
        file.path,
        `${formatBytes(file.length)} in ${file.pieceCount} pieces · ${file.seeders} seeders, ${file.leechers} leechers, downloaded ${file.completed}×`,
        `info-hash \`${file.infoHash}\``,
        `published ${new Date(file.publishedAt).toLocaleString()}`,
      ].join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(local ? 'pass-filled' : 'cloud');
    this.contextValue = local ? ItemContext.remoteFileLocal : ItemContext.remoteFile;
    this.command = { command: Commands.request, title: 'Request', arguments: [this] };
  }
}

const NO_CATALOG_TOOLTIP = 'It is a plain BitTorrent tracker: share .torrent files or magnet links instead.';

class MessageItem extends vscode.TreeItem {
  constructor(label: string, icon: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.tooltip = tooltip;
  }
}

export class TrackerFilesView extends Disposable implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<vscode.TreeItem | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  readonly view: vscode.TreeView<vscode.TreeItem>;

  constructor(private readonly service: StaService) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.trackerFiles, { treeDataProvider: this, showCollapseAll: false }));
    this.register(service.catalog.onDidChange(() => this.refresh()));
    this.register(service.onDidChangeRunning(() => this.refresh()));
    // the "in workspace" marks follow what is shared and downloaded
    this.register(service.shares.onDidChange(() => this.refresh()));
    this.register(service.transfers.onDidFinish(() => this.refresh()));
  }

  private refresh(): void {
    const { catalog } = this.service;
    const unreachable = this.service.running && !!catalog.error && !catalog.unsupported;
    void vscode.commands.executeCommand('setContext', ContextKeys.trackerUnreachable, unreachable);
    this.view.message = unreachable ? `Tracker unreachable: ${catalog.error}` : undefined;
    this._onDidChange.fire(undefined);
  }

  getTreeItem(e: vscode.TreeItem): vscode.TreeItem {
    return e;
  }

  getChildren(): vscode.TreeItem[] {
    const { catalog } = this.service;
    if (!this.service.running) return []; // welcome content explains
    if (catalog.unsupported) return [new MessageItem('This tracker has no STA catalog', 'info', NO_CATALOG_TOOLTIP)];
    if (catalog.error) return [];
    return catalog.files.map((f) => new RemoteFileItem(f, this.service.hasLocally(f.infoHash)));
  }
}
