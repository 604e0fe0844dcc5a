// The status bar item: aggregate download progress, speed and peers; quiet when idle, and absent while STA is
// off with no transfer (a window that never used STA shows nothing of it).
import * as vscode from 'vscode';
import { displayText, formatBytes, formatEta, formatRate } from '../core/api';
import { Views } from './constants';
import { inertMarkdown } from './markdownText';
import { Disposable, toDisposable } from './lifecycle';
import type { StaService } from './model/staService';
import { spokenDownloads, spokenPeers, spokenPercent, spokenRate } from './spokenText';
import { Throttle } from './throttle';

/** How long "STA: <file> done" stays after a download finishes. */
const DONE_SHOWN_MS = 15_000;

export class StatusBar extends Disposable {
  readonly item: vscode.StatusBarItem;
  private lastFinished?: { name: string; at: number };
  private readonly refresh = this.register(new Throttle(() => this.render()));
  private doneTimer?: NodeJS.Timeout;
  private shown = false;

  constructor(private readonly service: StaService) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'STA';
    this.item.command = `${Views.transfers}.focus`;
    this.register(service.transfers.onDidChange(() => this.refresh.schedule()));
    this.register(
      service.onDidChangeRunning(() => {
        // "x done" belongs to the run that finished it: a Stop ends it, a new Start does not show it again
        if (!service.running) this.lastFinished = undefined;
        this.refresh.schedule();
      }),
    );
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
  }

  /** Whether the item is in the status bar: while STA runs or a transfer is listed. */
  get visible(): boolean {
    return this.shown;
  }

  private render(): void {
    this.renderText();
    const show = this.service.running || this.service.transfers.values().length > 0;
    if (show === this.shown) return;
    this.shown = show;
    if (show) this.item.show();
    else this.item.hide();
  }

  private renderText(): void {
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
        const [size, speed, eta] = [formatBytes(p.length), formatRate(p.downloadRate), formatEta(p.eta)];
        lines.push(vscode.l10n.t('{0}: {1}% of {2}, {3}, ETA {4}, {5} peers', inertMarkdown(t.name), pct, size, speed, eta, p.peers));
      }
      const pct = total > 0 ? Math.floor((100 * have) / total) : 0;
      this.item.text =
        peers === 1
          ? vscode.l10n.t('$(cloud-download) {0}% {1} · 1 peer', pct, formatRate(rate))
          : vscode.l10n.t('$(cloud-download) {0}% {1} · {2} peers', pct, formatRate(rate), peers);
      this.item.tooltip = new vscode.MarkdownString(`**${vscode.l10n.t('STA downloads')}**\n\n${lines.map((l) => `- ${l}`).join('\n')}`);
      const l10n = vscode.l10n;
      const what = active.length === 1 ? displayText(active[0].name) : spokenDownloads(active.length, l10n);
      this.speak(l10n.t('STA downloading {0}, {1}, {2}, {3}', what, spokenPercent(have, total, l10n), spokenRate(rate, l10n), spokenPeers(peers, l10n)));
      return;
    }
    const shownFor = this.lastFinished ? Date.now() - this.lastFinished.at : DONE_SHOWN_MS;
    if (this.service.running && this.lastFinished && shownFor < DONE_SHOWN_MS) {
      this.item.text = vscode.l10n.t('$(check) STA: {0} done', this.lastFinished.name);
      this.item.tooltip = markdown(vscode.l10n.t('{0} downloaded and verified; now seeding it.', inertMarkdown(this.lastFinished.name)));
      this.speak(vscode.l10n.t('STA: {0} done', this.lastFinished.name));
      clearTimeout(this.doneTimer);
      this.doneTimer = setTimeout(() => this.refresh.schedule(), DONE_SHOWN_MS - shownFor);
      return;
    }
    if (this.service.running) {
      this.item.text = '$(radio-tower) STA';
      const count = this.service.shares.size;
      const port = String(this.service.listenPort);
      const tracker = inertMarkdown(this.service.trackerUrl ?? '');
      this.item.tooltip = markdown(
        count === 1
          ? vscode.l10n.t('STA is sharing 1 file on port {0} via {1}', port, tracker)
          : vscode.l10n.t('STA is sharing {0} files on port {1} via {2}', count, port, tracker),
      );
      this.speak(count === 1 ? vscode.l10n.t('STA running, sharing 1 file') : vscode.l10n.t('STA running, sharing {0} files', count));
    } else {
      this.item.text = vscode.l10n.t('$(radio-tower) STA: off');
      this.item.tooltip = markdown(vscode.l10n.t('STA is not running. Run **STA: Start** to share this workspace.'));
      this.speak(vscode.l10n.t('STA is off'));
    }
  }

  private speak(label: string): void {
    this.item.accessibilityInformation = { label, role: 'button' };
  }
}

const markdown = (text: string) => new vscode.MarkdownString(text);
