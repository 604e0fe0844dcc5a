// Plain modules (no vscode, unit-tested) that word user-visible text take `vscode.l10n` from their caller: their
// `l10n.t('…')` calls are what the l10n tooling collects. English by default, for tests and plain Node.

/** `vscode.l10n`'s shape: a message with {0}-style placeholders and its arguments. */
export interface L10n {
  t(message: string, ...args: (string | number)[]): string;
}

export const englishL10n: L10n = { t: (message, ...args) => message.replace(/\{(\d+)\}/g, (m, i: string) => String(args[Number(i)] ?? m)) };
