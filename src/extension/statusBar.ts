// The status bar item: aggregate download progress, speed and peers; quiet when idle.
import * as vscode from 'vscode';
import { formatBytes, formatEta, formatRate } from '../core/api';
import { Views } from './constants';
import { Disposable } from './lifecycle';
import type { StaService } from './staService';

export class StatusBar extends Disposable {
  readonly item: vscode.StatusBarItem;
  private pending?: NodeJS.Timeout;
  private lastFinished?: { name: string; at: number };

  constructor(private readonly service: StaService) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'STA';
    this.item.command = `${Views.transfers}.focus`;
    this.register(service.onDidChangeTransfer(() => this.schedule()));
    this.register(service.onDidChangeRunning(() => this.schedule()));
    this.register(service.onDidChangeShared(() => this.schedule()));
    this.register(
      service.onDidFinishTransfer((t) => {
        if (t.kind !== 'download') return;
        this.lastFinished = { name: t.name, at: Date.now() };
        this.schedule();
      }),
    );
    this.register({ dispose: () => this.pending && clearTimeout(this.pending) });
    this.render();
    this.item.show();
  }

  /** At most four renders a second, however many events arrive. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.render();
    }, 250);
  }

  render(): void {
    const active = [...this.service.transfers.values()].filter((t) => t.kind === 'download' && !t.done && t.progress.state === 'downloading');
    if (active.length > 0) {
      let have = 0;
      let total = 0;
      let rate = 0;
      let peers = 0;
      const lines: string[] = [];
      for (const t of active) {
        const p = t.progress;
        have += p.verifiedBytes;
        total += p.length;
        rate += p.downloadRate;
        peers += p.peers;
        lines.push(`${t.name}: ${((100 * p.verifiedBytes) / p.length).toFixed(1)}% of ${formatBytes(p.length)}, ${formatRate(p.downloadRate)}, ETA ${formatEta(p.eta)}, ${p.peers} peers`);
      }
      const pct = total > 0 ? Math.floor((100 * have) / total) : 0;
      this.item.text = `$(cloud-download) ${pct}% ${formatRate(rate)} · ${peers} peer${peers === 1 ? '' : 's'}`;
      this.item.tooltip = new vscode.MarkdownString(`**STA downloads**\n\n${lines.map((l) => `- ${l}`).join('\n')}`);
      this.item.backgroundColor = undefined;
      return;
    }
    if (this.service.running && this.lastFinished && Date.now() - this.lastFinished.at < 15_000) {
      this.item.text = `$(check) STA: ${this.lastFinished.name} done`;
      this.item.tooltip = `${this.lastFinished.name} downloaded and verified; now seeding it.`;
      setTimeout(() => this.schedule(), 15_000).unref?.();
      return;
    }
    if (this.service.running) {
      this.item.text = '$(radio-tower) STA';
      this.item.tooltip = `STA is sharing ${this.service.shared.size} file${this.service.shared.size === 1 ? '' : 's'} on port ${this.service.listenPort} via ${this.service.trackerUrl}`;
    } else {
      this.item.text = '$(radio-tower) STA: off';
      this.item.tooltip = 'STA is not running. Run STA: Start to share this workspace.';
    }
  }
}
