// A changed setting applies while STA runs where it can (catalog refresh interval, excludes: a new scan), and
// asks for a restart where the engine was made with it (tracker, port, bind address, peer and upload limits).
import * as vscode from 'vscode';
import { Settings } from './constants';
import { Disposable } from './lifecycle';
import type { StaService } from './model/staService';
import { shareableFolders } from './model/workspaceFolder';
import { changedSinceStart, NEEDS_RESTART } from './restartSettings';
import { readSettings } from './settings';
import { Throttle } from './throttle';

/** Commands that change a setting and restart STA themselves (Start Local Tracker, Join Team) are done by then. */
const SETTLE_MS = 1500;


export class SettingsChanges extends Disposable {
  /** what asks the user; tests answer in their place */
  ask: (message: string, ...buttons: string[]) => Thenable<string | undefined> = (m, ...b) => vscode.window.showInformationMessage(m, ...b);
  private readonly checkRestart = this.register(new Throttle(() => void this.offerRestart(), SETTLE_MS));
  /** the settings a restart was already offered for (asked once per change) */
  private offered = '';

  constructor(private readonly service: StaService, private readonly restart: () => Promise<unknown>) {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => this.changed(e)));
    this.register(service.onDidChangeRunning(() => (this.offered = '')));
  }

  private changed(e: vscode.ConfigurationChangeEvent): void {
    if (!this.service.running) return;
    const first = shareableFolders()[0]?.uri;
    if (e.affectsConfiguration(`${Settings.section}.${Settings.catalogRefreshSeconds}`)) {
      this.service.catalog.pollEvery(readSettings(first).catalogRefreshSeconds);
    }
    if (e.affectsConfiguration(`${Settings.section}.${Settings.exclude}`) || e.affectsConfiguration('files.exclude')) {
      this.service.reapplyExcludes();
    }
    if (NEEDS_RESTART.some(({ setting }) => e.affectsConfiguration(`${Settings.section}.${setting}`))) this.checkRestart.schedule();
  }

  private async offerRestart(): Promise<void> {
    const running = this.service.settingsInUse;
    if (!running) return;
    const changed = changedSinceStart(running, readSettings(shareableFolders()[0]?.uri));
    const key = changed.join(',');
    if (changed.length === 0 || key === this.offered) return;
    this.offered = key;
    const message =
      changed.length === 1
        ? vscode.l10n.t('STA: The setting {0} changed; it applies when STA restarts.', changed[0])
        : vscode.l10n.t('STA: The settings {0} changed; they apply when STA restarts.', changed.join(', '));
    const restart = vscode.l10n.t('Restart STA');
    const pick = await this.ask(message, restart);
    if (pick !== restart) return;
    await this.service.stop();
    await this.restart();
  }
}
