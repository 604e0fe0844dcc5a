// Where a download never writes, whatever a catalog says: inside the folders STA never shares (a
// `.git/hooks/pre-commit` or `.vscode/tasks.json` from a teammate would run code here) or at a
// secret's name. What STA never sends, it never receives.
import { isSecretPath } from './repository';

const NEVER_WRITTEN = new Set(['.git', '.vscode', '.sta', 'node_modules']);

/** Why a download may not land at `relPath` (`/`-separated, relative to the download folder); undefined: it may. */
export function refusedLanding(relPath: string): string | undefined {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  const inside = parts.find((p) => NEVER_WRITTEN.has(p.toLowerCase()));
  if (inside) return `it would write inside ${inside}, which STA never shares and never writes to`;
  if (isSecretPath(parts.join('/'))) return 'its name is one of a key, credentials or a .env file, which STA never writes';
  return undefined;
}
