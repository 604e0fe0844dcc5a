// The mark Tracker Files shows on a catalog file: in the workspace already (✓), an update of a workspace
// file (↻), or not here. Icons, text and screen-reader words together, so no state is told by colour alone.

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

export const MARK_LOOK: Record<Mark, MarkLook> = {
  inWorkspace: { icon: 'pass-filled', text: '✓ in workspace', spoken: 'in workspace, same content' },
  updateAvailable: { icon: 'sync', text: '↻ update available', spoken: 'update available: the workspace has an older or different version' },
  missing: { icon: 'cloud', text: 'not in workspace', spoken: 'not in workspace' },
};
