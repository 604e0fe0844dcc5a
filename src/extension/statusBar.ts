// The status bar item: aggregate download progress, speed and peers; quiet when idle.
import * as vscode from 'vscode';
import { displayText, formatBytes, formatEta, formatRate } from '../core/api';
import { Views } from './constants';
import { inertMarkdown } from './markdownText';
import { Disposable, toDisposable } from './lifecycle';
import type { StaService } from './model/staService';
import { Throttle } from './throttle';

/** How long "STA: <file> done" stays after a download finishes. */
const DONE_SHOWN_MS = 15_000;

export class StatusBar extends Disposable {
  readonly item: vscode.StatusBarItem;
  private lastFinished?: { name: string; at: number };
  private readonly refresh = this.register(new Throttle(() => this.render()));
  private doneTimer?: NodeJS.Timeout;

  constructor(private readonly service: StaService) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'STA';
    this.item.command = `${Views.transfers}.focus`;
    this.register(service.transfers.onDidChange(() => this.refresh.schedule()));
    this.register(service.onDidChangeRunning(() => this.refresh.schedule()));
    this.register(service.shares.onDidChange(() => this.refresh.schedule()));
    this.register(
      service.transfers.onDidFinish((t) => {
        if (t.kind !== 'download') return;
        this.lastFinished = { name: displayText(t.name), at: Date.now() };
        this.refresh.schedule();
      }),
    );
    this.register(toDisposable(() => clearTimeout(this.doneTimer)));
    this.render();
    this.item.show();
  }

  private render(): void {
    const active = this.service.transfers.values().filter((t) => t.kind === 'download' && !t.done && t.progress.state === 'downloading');
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
        const pct = ((100 * p.verifiedBytes) / p.length).toFixed(1);
        lines.push(`${inertMarkdown(t.name)}: ${pct}% of ${formatBytes(p.length)}, ${formatRate(p.downloadRate)}, ETA ${formatEta(p.eta)}, ${p.peers} peers`);
      }
      const pct = total > 0 ? Math.floor((100 * have) / total) : 0;
      this.item.text = `$(cloud-download) ${pct}% ${formatRate(rate)} · ${peers} peer${peers === 1 ? '' : 's'}`;
      this.item.tooltip = new vscode.MarkdownString(`**STA downloads**\n\n${lines.map((l) => `- ${l}`).join('\n')}`);
      return;
    }
    const shownFor = this.lastFinished ? Date.now() - this.lastFinished.at : DONE_SHOWN_MS;
    if (this.service.running && this.lastFinished && shownFor < DONE_SHOWN_MS) {
      this.item.text = `$(check) STA: ${this.lastFinished.name} done`;
      this.item.tooltip = `${this.lastFinished.name} downloaded and verified; now seeding it.`;
      clearTimeout(this.doneTimer);
      this.doneTimer = setTimeout(() => this.refresh.schedule(), DONE_SHOWN_MS - shownFor);
      return;
    }
    if (this.service.running) {
      this.item.text = '$(radio-tower) STA';
      const count = this.service.shares.size;
      this.item.tooltip = `STA is sharing ${count} file${count === 1 ? '' : 's'} on port ${this.service.listenPort} via ${this.service.trackerUrl}`;
    } else {
      this.item.text = '$(radio-tower) STA: off';
      this.item.tooltip = 'STA is not running. Run STA: Start to share this workspace.';
    }
  }
}
