// The mark Tracker Files shows on a catalog file: in the workspace already (✓), an update of a workspace
// file (↻), or not here. Icons, text and screen-reader words together, so no state is told by colour alone.
import { englishL10n, type L10n } from '../plainL10n';

export type Mark = 'inWorkspace' | 'updateAvailable' | 'missing';

/** What this workspace holds, as the marks need it. */
export interface LocalFiles {
  /** this content is shared here or was downloaded here */
  hasContent(infoHash: string): boolean;
  /** the info-hash of the workspace file published at `catalogPath` (as this workspace would publish it) */
  infoHashAt(catalogPath: string): string | undefined;
}

/**
 * `landsAt` is where a download of `file` would be, as a catalog path of this workspace (undefined: nowhere);
 * a different file there makes the catalog's an update of it.
 */
export function markOf(file: { infoHash: string }, landsAt: string | undefined, local: LocalFiles): Mark {
  if (local.hasContent(file.infoHash)) return 'inWorkspace';
  const there = landsAt === undefined ? undefined : local.infoHashAt(landsAt);
  if (there === undefined) return 'missing';
  return there === file.infoHash ? 'inWorkspace' : 'updateAvailable';
}

export interface MarkLook {
  /** a codicon id */
  icon: string;
  /** in the row's description */
  text: string;
  /** what a screen reader says */
  spoken: string;
}

/** The look of each mark, worded by `l10n` (callers pass `vscode.l10n`; English by default). */
export function markLooks(l10n: L10n = englishL10n): Record<Mark, MarkLook> {
  return {
    inWorkspace: { icon: 'pass-filled', text: l10n.t('✓ in workspace'), spoken: l10n.t('in workspace, same content') },
    updateAvailable: {
      icon: 'sync',
      text: l10n.t('↻ update available'),
      spoken: l10n.t('update available: the workspace has an older or different version'),
    },
    missing: { icon: 'cloud', text: l10n.t('not in workspace'), spoken: l10n.t('not in workspace') },
  };
}

export const MARK_LOOK: Record<Mark, MarkLook> = markLooks();
