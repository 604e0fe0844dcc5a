// Shared: exactly which workspace files this peer serves.
import * as vscode from 'vscode';
import { formatBytes } from '../../core/api';
import { ItemContext, Views } from '../constants';
import { Disposable } from '../lifecycle';
import type { SharedEntry, StaService } from '../staService';

export class SharedItem extends vscode.TreeItem {
  constructor(readonly entry: SharedEntry) {
    super(entry.relPath, vscode.TreeItemCollapsibleState.None);
    this.id = entry.meta.infoHashHex;
    this.description = formatBytes(entry.size);
    this.resourceUri = vscode.Uri.file(entry.path);
    this.tooltip = `${entry.path}\n${formatBytes(entry.size)} · info-hash ${entry.meta.infoHashHex}`;
    this.contextValue = ItemContext.sharedFile;
    this.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(entry.path)] };
  }
}

export class SharedView extends Disposable implements vscode.TreeDataProvider<SharedItem> {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  readonly view: vscode.TreeView<SharedItem>;
  private pending?: NodeJS.Timeout;

  constructor(private readonly service: StaService) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.shared, { treeDataProvider: this }));
    this.register(
      service.onDidChangeShared(() => {
        // hashing a big workspace adds files one by one: refresh a few times a second at most
        this.pending ??= setTimeout(() => {
          this.pending = undefined;
          this.view.description = service.running ? `${service.shared.size} file${service.shared.size === 1 ? '' : 's'}` : undefined;
          this._onDidChange.fire();
        }, 250);
      }),
    );
    this.register({ dispose: () => this.pending && clearTimeout(this.pending) });
  }

  getTreeItem(e: SharedItem): vscode.TreeItem {
    return e;
  }

  getChildren(): SharedItem[] {
    return [...this.service.shared.values()].sort((a, b) => a.relPath.localeCompare(b.relPath)).map((e) => new SharedItem(e));
  }
}
