// Under Remote Development STA's engine runs on the remote side (extensionKind workspace): in a container, WSL or
// a codespace its peer port is on an address teammates usually cannot reach. No vscode here: unit-tested; the
// caller passes `vscode.l10n` (its `l10n.t` calls are the ones the l10n tooling collects).

import { englishL10n, type L10n } from './plainL10n';

/** `vscode.env.remoteName` values of remotes whose address is private to this machine or to a cloud. */
const PRIVATE_REMOTES = ['dev-container', 'attached-container', 'k8s-container', 'wsl', 'codespaces'];

/** Remotes that are machines of their own: reachable when STA listens on their network. */
const MACHINE_REMOTES = ['ssh-remote', 'tunnel'];

function whereOf(remoteName: string, l10n: L10n): string {
  switch (remoteName) {
    case 'dev-container':
      return l10n.t('in a dev container');
    case 'attached-container':
      return l10n.t('in a container');
    case 'k8s-container':
      return l10n.t('in a Kubernetes container');
    case 'wsl':
      return l10n.t('in WSL');
    case 'codespaces':
      return l10n.t('in a codespace');
    case 'ssh-remote':
      return l10n.t('on the SSH host');
    default:
      return l10n.t('on the tunnel\'s machine');
  }
}

const isLoopback = (address: string) => address === 'localhost' || address === '::1' || address.startsWith('127.');

/**
 * What to tell the user when teammates probably cannot reach this peer (undefined: nothing). Unknown remote names
 * (a browser-served VS Code such as code-server) say nothing: there the remote is the machine the user chose.
 */
export function remoteReachWarning(remoteName: string | undefined, bindAddress: string, port: number | undefined, l10n = englishL10n): string | undefined {
  if (!remoteName || (!PRIVATE_REMOTES.includes(remoteName) && !MACHINE_REMOTES.includes(remoteName))) return undefined;
  const where = whereOf(remoteName, l10n);
  const address = `${bindAddress}:${port ?? '?'}`;
  if (isLoopback(bindAddress)) {
    return l10n.t('STA runs {0}, where it listens for peers on {1}: only programs {0} can connect, not your teammates.', where, address);
  }
  if (!PRIVATE_REMOTES.includes(remoteName)) return undefined;
  return l10n.t(
    'STA runs {0}, where it listens for peers on {1}: an address teammates usually cannot reach. Forward or publish the port, or run STA in a local window.',
    where,
    address,
  );
}
