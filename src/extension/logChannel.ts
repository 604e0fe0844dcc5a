// The engine's Logger, written to the "STA" LogOutputChannel with team keys blotted out
// (the engine logs catalog URLs, and logs get pasted into issues).
import * as vscode from 'vscode';
import { type Logger, redact } from '../core/api';

export function channelLogger(channel: vscode.LogOutputChannel, secrets: () => readonly string[]): Logger {
  return {
    info: (m) => channel.info(redact(m, secrets())),
    warn: (m) => channel.warn(redact(m, secrets())),
    error: (m) => channel.error(redact(m, secrets())),
    debug: (m) => channel.debug(redact(m, secrets())),
  };
}
