// Tracker Files: the catalog as a folder tree (children read per folder from the catalog's index); clicking
// a file requests it, a folder's download action fetches everything under it.
import * as vscode from 'vscode';
import { displayText } from '../../core/api';
import { ContextKeys, Views } from '../constants';
import { Disposable } from '../lifecycle';
import { markOf } from '../model/catalogMarks';
import type { StaService } from '../model/staService';
import { Throttle } from '../throttle';
import { MessageItem, RemoteFileItem, RemoteFolderItem } from './trackerFileItems';

export { RemoteFileItem, RemoteFolderItem } from './trackerFileItems';

/** The marks follow what is shared and downloaded this often at most. */
const MARKS_REFRESH_MS = 1000;


const noCatalogTooltip = () => vscode.l10n.t('It is a plain BitTorrent tracker: share .torrent files or magnet links instead.');

export class TrackerFilesView extends Disposable implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<vscode.TreeItem | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  readonly view: vscode.TreeView<vscode.TreeItem>;
  // hashing a big workspace changes what is shared file by file: the marks follow at most once a second
  private readonly marksChanged = this.register(new Throttle(() => this.refresh(), MARKS_REFRESH_MS));

  constructor(private readonly service: StaService) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.trackerFiles, { treeDataProvider: this, showCollapseAll: true }));
    this.register(service.catalog.onDidChange(() => this.refresh()));
    this.register(service.onDidChangeRunning(() => this.refresh()));
    this.register(service.shares.onDidChange(() => this.marksChanged.schedule()));
    this.register(service.transfers.onDidFinish(() => this.marksChanged.schedule()));
  }

  private refresh(): void {
    this.marksChanged.cancel();
    const { catalog } = this.service;
    const unreachable = this.service.running && !!catalog.error && !catalog.unsupported;
    void vscode.commands.executeCommand('setContext', ContextKeys.trackerUnreachable, unreachable);
    this.view.message = unreachable ? vscode.l10n.t('Tracker unreachable: {0}', displayText(catalog.error!)) : undefined;
    const n = catalog.tree.files;
    const listed = this.service.running && !catalog.error && !catalog.unsupported;
    this.view.description = listed ? (n === 1 ? vscode.l10n.t('1 file') : vscode.l10n.t('{0} files', n.toLocaleString('en-US'))) : undefined;
    this._onDidChange.fire(undefined);
  }

  getTreeItem(e: vscode.TreeItem): vscode.TreeItem {
    return e;
  }

  getChildren(parent?: vscode.TreeItem): vscode.TreeItem[] {
    const { catalog, transfers, local } = this.service;
    if (!this.service.running) return []; // welcome content explains
    if (catalog.unsupported) return parent ? [] : [new MessageItem(vscode.l10n.t('This tracker has no STA catalog'), 'info', noCatalogTooltip())];
    if (catalog.error) return [];
    if (parent && !(parent instanceof RemoteFolderItem)) return [];
    return catalog.tree.children(parent?.node.path).map((n) => {
      if (n.kind === 'folder') return new RemoteFolderItem(n);
      const landsAt = transfers.landing(n.entry)?.shownAs;
      return new RemoteFileItem(n.entry, n.name, markOf(n.entry, landsAt, local), landsAt);
    });
  }
}
