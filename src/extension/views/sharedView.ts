// Shared: exactly which workspace files this peer serves.
import * as vscode from 'vscode';
import { displayText, formatBytes } from '../../core/api';
import { ItemContext, Views } from '../constants';
import { Disposable } from '../lifecycle';
import type { StaService } from '../model/staService';
import type { SharedEntry } from '../model/workspaceShares';
import { Throttle } from '../throttle';

export class SharedItem extends vscode.TreeItem {
  constructor(readonly entry: SharedEntry) {
    super(displayText(entry.relPath), vscode.TreeItemCollapsibleState.None);
    this.id = entry.meta.infoHashHex;
    this.description = formatBytes(entry.size);
    this.resourceUri = vscode.Uri.file(entry.path);
    this.tooltip = `${displayText(entry.path)}\n${formatBytes(entry.size)} · info-hash ${entry.meta.infoHashHex}`;
    this.contextValue = ItemContext.sharedFile;
    this.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(entry.path)] };
  }
}

export class SharedView extends Disposable implements vscode.TreeDataProvider<SharedItem> {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  readonly view: vscode.TreeView<SharedItem>;
  // hashing a big workspace adds files one by one
  private readonly refresh = this.register(new Throttle(() => this.render()));

  constructor(private readonly service: StaService) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.shared, { treeDataProvider: this }));
    this.register(service.shares.onDidChange(() => this.refresh.schedule()));
  }

  private render(): void {
    const count = this.service.shares.size;
    this.view.description = this.service.running ? `${count} file${count === 1 ? '' : 's'}` : undefined;
    this._onDidChange.fire();
  }

  getTreeItem(e: SharedItem): vscode.TreeItem {
    return e;
  }

  getChildren(): SharedItem[] {
    return this.service.shares.entries().sort((a, b) => a.relPath.localeCompare(b.relPath)).map((e) => new SharedItem(e));
  }
}
