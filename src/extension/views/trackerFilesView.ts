// Tracker Files: the catalog; clicking a file requests it.
import * as vscode from 'vscode';
import { type CatalogFileJson, displayText, formatBytes } from '../../core/api';
import { Commands, ContextKeys, ItemContext, Views } from '../constants';
import { Disposable } from '../lifecycle';
import type { StaService } from '../model/staService';
import { inertMarkdown as inert } from '../markdownText';

export class RemoteFileItem extends vscode.TreeItem {
  /** `landsAt`: where Request puts it, relative to the workspace (downloads keep the torrent's name) */
  constructor(readonly file: CatalogFileJson, local: boolean, landsAt: string | undefined) {
    super(displayText(landsAt ?? file.name), vscode.TreeItemCollapsibleState.None);
    this.id = file.infoHash;
    this.description = `${formatBytes(file.length)} · ${file.seeders} seeding, ${file.leechers} downloading${local ? ' · in workspace' : ''}`;
    this.tooltip = new vscode.MarkdownString(
      [
        `**${inert(file.name)}**`,
        landsAt ? `downloads to ${inert(landsAt)} · published as ${inert(file.path)}` : `published as ${inert(file.path)}; its name cannot be saved safely`,
        `${formatBytes(file.length)} in ${file.pieceCount} pieces · ${file.seeders} seeders, ${file.leechers} leechers, downloaded ${file.completed}×`,
        `info-hash ${inert(file.infoHash)}`,
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
    this.view.message = unreachable ? `Tracker unreachable: ${displayText(catalog.error!)}` : undefined;
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
    const { transfers } = this.service;
    return catalog.files.map((f) => new RemoteFileItem(f, this.service.hasLocally(f.infoHash), transfers.landingPath(f.name)));
  }
}
