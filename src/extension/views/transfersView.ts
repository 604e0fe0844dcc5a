// Transfers: each download and upload with progress, speed, ETA, peers and state.
import * as vscode from 'vscode';
import { displayText, formatBytes, formatEta, formatRate } from '../../core/api';
import { ItemContext, Views } from '../constants';
import { Disposable } from '../lifecycle';
import type { Transfer, Transfers } from '../model/transfers';
import { Throttle } from '../throttle';
import { inertMarkdown as inert } from '../markdownText';
import { spokenTransfer } from '../spokenText';

const peers = (n: number) => (n === 1 ? vscode.l10n.t('1 peer') : vscode.l10n.t('{0} peers', n));

/** A state as the row's description says it. */
const stateText = (state: string): string =>
  ({ checking: vscode.l10n.t('checking'), paused: vscode.l10n.t('paused'), stopped: vscode.l10n.t('stopped') })[state] ?? state;

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
  if (t.seedingStopped && p.state !== 'seeding') return `${t.seedingStopped} · ${formatBytes(p.uploaded)} sent`;
  switch (p.state) {
    case 'downloading':
      return vscode.l10n.t('{0} · {1} · ETA {2} · {3}', pct, formatRate(p.downloadRate), formatEta(p.eta), peers(p.peers));
    case 'seeding': {
      const seeding = vscode.l10n.t('seeding · {0} up · {1} sent · {2}', formatRate(p.uploadRate), formatBytes(p.uploaded), peers(p.peers));
      return t.kind === 'download' ? `100% · ${seeding}` : seeding;
    }
    case 'failed':
      return vscode.l10n.t('failed: {0}', displayText(t.error ?? vscode.l10n.t('unknown error')));
    default:
      return `${pct} · ${stateText(p.state)}`;
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
    this.accessibilityInformation = { label: spokenTransfer(transfer, vscode.l10n) };
    // who we trade with, so a slow or silent peer can be spotted
    const peerLines = (transfer.session?.peerStats() ?? [])
      .map((s) => {
        const who = `${inert(s.client)}${s.seeder ? vscode.l10n.t(', seeder') : ''}`;
        return `- ${s.address} (${who}): ↓ ${formatRate(s.downloadRate)} ↑ ${formatRate(s.uploadRate)}`;
      })
      .join('\n');
    this.tooltip = new vscode.MarkdownString(
      `**${inert(transfer.name)}** (${transfer.kind === 'download' ? vscode.l10n.t('download') : vscode.l10n.t('upload')})\n\n` +
        `${vscode.l10n.t('{0} of {1} verified ({2}/{3} pieces)', formatBytes(p.verifiedBytes), formatBytes(p.length), p.pieces, p.piecesTotal)}\n\n` +
        (p.reusedBytes > 0 ? `${vscode.l10n.t('{0} reused from the older version in the workspace', formatBytes(p.reusedBytes))}\n\n` : '') +
        `${vscode.l10n.t('down {0} · up {1} · {2}', formatRate(p.downloadRate), formatRate(p.uploadRate), peers(p.peers))}\n\n` +
        (peerLines ? `${peerLines}\n\n` : '') +
        `${transfer.path ? vscode.l10n.t('saved at {0}', inert(transfer.path)) : ''}${transfer.error ? `\n\n$(error) ${inert(transfer.error)}` : ''}`,
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
    this.view = this.register(vscode.window.createTreeView(Views.transfers, { treeDataProvider: this, canSelectMany: true }));
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
    const tooltip = active === 1 ? vscode.l10n.t('1 active download') : vscode.l10n.t('{0} active downloads', active);
    this.view.badge = active > 0 ? { value: active, tooltip } : undefined;
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
