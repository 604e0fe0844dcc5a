// Transfers: each download and upload with progress, speed, ETA, peers and state.
import * as vscode from 'vscode';
import { displayText, formatBytes, formatEta, formatRate } from '../../core/api';
import { ItemContext, Views } from '../constants';
import { Disposable } from '../lifecycle';
import type { Transfer, Transfers } from '../model/transfers';
import { Throttle } from '../throttle';
import { inertMarkdown as inert } from '../markdownText';

const peers = (n: number) => `${n} peer${n === 1 ? '' : 's'}`;

const ICONS: Record<string, string> = {
  checking: 'sync~spin',
  downloading: 'cloud-download',
  seeding: 'cloud-upload',
  paused: 'debug-pause',
  stopped: 'circle-slash',
  failed: 'error',
};

export function transferDescription(t: Transfer): string {
  const p = t.progress;
  const pct = `${((100 * p.verifiedBytes) / p.length).toFixed(1)}%`;
  switch (p.state) {
    case 'downloading':
      return `${pct} · ${formatRate(p.downloadRate)} · ETA ${formatEta(p.eta)} · ${peers(p.peers)}`;
    case 'seeding':
      return `${t.kind === 'download' ? '100% · ' : ''}seeding · ${formatRate(p.uploadRate)} up · ${formatBytes(p.uploaded)} sent · ${peers(p.peers)}`;
    case 'failed':
      return `failed: ${displayText(t.error ?? 'unknown error')}`;
    default:
      return `${pct} · ${p.state}`;
  }
}

export class TransferItem extends vscode.TreeItem {
  constructor(readonly transfer: Transfer) {
    super(displayText(transfer.name), vscode.TreeItemCollapsibleState.None);
    const p = transfer.progress;
    this.id = `${transfer.kind}:${transfer.infoHash}`;
    this.description = transferDescription(transfer);
    this.iconPath = new vscode.ThemeIcon(transfer.kind === 'upload' && p.state === 'seeding' ? 'arrow-up' : ICONS[p.state] ?? 'file');
    this.contextValue = ItemContext.transfer(p.state, transfer.done);
    // who we trade with, so a slow or silent peer can be spotted
    const peerLines = (transfer.session?.peerStats() ?? [])
      .map((s) => `- ${s.address} (${inert(s.client)}${s.seeder ? ', seeder' : ''}): ↓ ${formatRate(s.downloadRate)} ↑ ${formatRate(s.uploadRate)}`)
      .join('\n');
    this.tooltip = new vscode.MarkdownString(
      `**${inert(transfer.name)}** (${transfer.kind})\n\n` +
        `${formatBytes(p.verifiedBytes)} of ${formatBytes(p.length)} verified (${p.pieces}/${p.piecesTotal} pieces)\n\n` +
        (p.reusedBytes > 0 ? `${formatBytes(p.reusedBytes)} reused from the older version in the workspace\n\n` : '') +
        `down ${formatRate(p.downloadRate)} · up ${formatRate(p.uploadRate)} · ${peers(p.peers)}\n\n${peerLines ? `${peerLines}\n\n` : ''}` +
        `${transfer.path ? `saved at ${inert(transfer.path)}` : ''}${transfer.error ? `\n\n$(error) ${inert(transfer.error)}` : ''}`,
      true,
    );
    if (transfer.path) this.resourceUri = vscode.Uri.file(transfer.path);
  }
}

export class TransfersView extends Disposable implements vscode.TreeDataProvider<TransferItem> {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<TransferItem | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  readonly view: vscode.TreeView<TransferItem>;
  private readonly items = new Map<string, TransferItem>();
  private readonly dirty = new Set<Transfer>();
  private listDirty = false;
  // changed items are refreshed one by one, not the whole list per progress event
  private readonly refresh = this.register(new Throttle(() => this.render()));

  constructor(private readonly transfers: Transfers) {
    super();
    this.view = this.register(vscode.window.createTreeView(Views.transfers, { treeDataProvider: this }));
    this.register(
      transfers.onDidChange((t) => {
        if (t) this.dirty.add(t);
        else this.listDirty = true;
        this.refresh.schedule();
      }),
    );
  }

  private render(): void {
    this.updateBadge();
    if (this.listDirty) {
      this.listDirty = false;
      this.dirty.clear();
      this._onDidChange.fire(undefined);
      return;
    }
    for (const t of this.dirty) {
      const old = this.items.get(t.infoHash);
      if (!old) {
        this._onDidChange.fire(undefined);
        break;
      }
      // a refresh of the element re-reads getTreeItem for it only; VS Code knows the
      // element by identity, so `old` (what getChildren returned) stays the one we refresh
      Object.assign(old, new TransferItem(t));
      this._onDidChange.fire(old);
    }
    this.dirty.clear();
  }

  private updateBadge(): void {
    const active = this.transfers.values().filter((t) => t.progress.state === 'downloading' || t.progress.state === 'checking').length;
    this.view.badge = active > 0 ? { value: active, tooltip: `${active} active download${active === 1 ? '' : 's'}` } : undefined;
  }

  getTreeItem(e: TransferItem): vscode.TreeItem {
    return e;
  }

  getChildren(): TransferItem[] {
    this.items.clear();
    const list = this.transfers.values().sort((a, b) => Number(a.done) - Number(b.done) || a.name.localeCompare(b.name));
    return list.map((t) => {
      const item = new TransferItem(t);
      this.items.set(t.infoHash, item);
      return item;
    });
  }
}
