// Once per workspace (remembered): under a remote whose address teammates cannot reach, say so when STA starts.
import * as vscode from 'vscode';
import { StoreKeys } from './constants';
import { Disposable } from './lifecycle';
import type { StaService } from './model/staService';
import { remoteReachWarning } from './remoteReach';

export class RemoteWarning extends Disposable {
  /** what shows the warning; tests see it in the user's place */
  show: (message: string) => Thenable<unknown> = (m) => vscode.window.showWarningMessage(m);

  constructor(service: StaService, private readonly memory: vscode.Memento, private readonly remoteName = () => vscode.env.remoteName) {
    super();
    this.register(
      service.onDidChangeRunning((running) => {
        const settings = service.settingsInUse;
        if (!running || !settings || this.memory.get<boolean>(StoreKeys.remoteWarned)) return;
        const message = remoteReachWarning(this.remoteName(), settings.bindAddress, service.listenPort, vscode.l10n);
        if (!message) return;
        void this.memory.update(StoreKeys.remoteWarned, true);
        void this.show(message);
      }),
    );
  }
}
