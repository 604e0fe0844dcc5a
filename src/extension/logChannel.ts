// The engine's Logger, written to the "STA" LogOutputChannel.
import * as vscode from 'vscode';
import type { Logger } from '../core/api';

export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
    debug: (m) => channel.debug(m),
  };
}
