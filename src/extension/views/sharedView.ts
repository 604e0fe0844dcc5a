// Shared: exactly which workspace files this peer serves, as a folder tree by catalog path.
import * as vscode from 'vscode';
import { displayText, formatBytes } from '../../core/api';
import { Commands, ItemContext, Views } from '../constants';
import { Disposable } from '../lifecycle';
import { type FolderNode, PathTree } from '../model/pathTree';
import type { StaService } from '../model/staService';
import type { SharedEntry } from '../model/workspaceShares';
import { inertMarkdown as inert } from '../markdownText';
import { spokenFiles, spokenSize } from '../spokenText';
import { Throttle } from '../throttle';

const filesText = (n: number) => (n === 1 ? vscode.l10n.t('1 file') : vscode.l10n.t('{0} files', n));

export class SharedItem extends vscode.TreeItem {
  constructor(readonly entry: SharedEntry, name = entry.catalogPath) {
    super(displayText(name), vscode.TreeItemCollapsibleState.None);
    this.id = `file:${entry.catalogPath}`;
    this.description = formatBytes(entry.size);
    this.resourceUri = vscode.Uri.file(entry.path);
    this.tooltip = new vscode.MarkdownString(
      [
        `**${inert(entry.catalogPath)}**`,
        vscode.l10n.t('at {0}', inert(entry.path)),
        vscode.l10n.t('{0} · info-hash {1}', formatBytes(entry.size), entry.meta.infoHashHex),
      ].join('\n\n'),
    );
    // the catalog path and size, not the absolute path and the hash
    this.accessibilityInformation = { label: vscode.l10n.t('{0}, {1}, shared', displayText(entry.catalogPath), spokenSize(entry.size, vscode.l10n)) };
    this.contextValue = ItemContext.sharedFile;
    this.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(entry.path)] };
    if (entry.files !== undefined) this.asOneTorrent(entry, entry.files);
  }

  /** A folder shared as one torrent: one row, its file count and size; stopped (a file changed): clicking shares it again. */
  private asOneTorrent(entry: SharedEntry, files: number): void {
    const name = displayText(entry.catalogPath);
    this.iconPath = vscode.ThemeIcon.Folder;
    this.description = entry.stopped
      ? vscode.l10n.t('stopped: a file changed · click to share again')
      : vscode.l10n.t('{0} · {1} · one torrent', filesText(files), formatBytes(entry.size));
    const spoken = vscode.l10n.t('folder {0} as one torrent, {1}, {2}', name, spokenFiles(files, vscode.l10n), spokenSize(entry.size, vscode.l10n));
    this.accessibilityInformation = { label: entry.stopped ? vscode.l10n.t('{0}, stopped: a file changed', spoken) : vscode.l10n.t('{0}, shared', spoken) };
    const uri = vscode.Uri.file(entry.path);
    this.command = entry.stopped
      ? { command: Commands.shareFolder, title: vscode.l10n.t('Share Again'), arguments: [uri] }
      : { command: 'revealInExplorer', title: 'Reveal', arguments: [uri] };
  }
}

export class SharedFolderItem extends vscode.TreeItem {
  constructor(readonly node: FolderNode) {
    super(displayText(node.name), vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `folder:${node.path}`;
    this.description = `${filesText(node.files)} · ${formatBytes(node.bytes)}`;
    this.iconPath = vscode.ThemeIcon.Folder;
    this.contextValue = ItemContext.sharedFolder;
    const label = vscode.l10n.t('folder {0}, {1}, {2}', displayText(node.path), spokenFiles(node.files, vscode.l10n), spokenSize(node.bytes, vscode.l10n));
    this.accessibilityInformation = { label };
  }
}

export class SharedView extends Disposable implements vscode.TreeDataProvider<SharedItem | SharedFolderItem> {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  readonly view: vscode.TreeView<SharedItem | SharedFolderItem>;
  // hashing a big workspace adds files one by one
  private readonly refresh = this.register(new Throttle(() => this.render()));
  private tree?: PathTree<SharedEntry>;

  constructor(private readonly service: StaService) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.shared, { treeDataProvider: this, showCollapseAll: true }));
    this.register(
      service.shares.onDidChange(() => {
        this.tree = undefined; // built again when read
        this.refresh.schedule();
      }),
    );
  }

  private render(): void {
    const count = this.service.shares.size;
    this.view.description = this.service.running ? filesText(count) : undefined;
    this._onDidChange.fire();
  }

  getTreeItem(e: SharedItem | SharedFolderItem): vscode.TreeItem {
    return e;
  }

  getChildren(parent?: SharedItem | SharedFolderItem): (SharedItem | SharedFolderItem)[] {
    if (parent instanceof SharedItem) return [];
    this.tree ??= new PathTree(this.service.shares.entries(), (e) => e.catalogPath, (e) => e.size);
    return this.tree.children(parent?.node.path).map((n) => (n.kind === 'folder' ? new SharedFolderItem(n) : new SharedItem(n.entry, n.name)));
  }
}
