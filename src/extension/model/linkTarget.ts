// Links from outside (no `vscode`): a magnet typed or pasted, a `vscode://…/get?magnet=…` URI, and the words the
// confirmation uses for what a torrent holds and where it lands, worded by the caller's `l10n` (vscode.l10n; English
// by default). Nothing here downloads anything.
import { displayText, formatBytes, type Magnet, type Metainfo, parseMagnet } from '../../core/api';
import { englishL10n, type L10n } from '../plainL10n';
import { pathParts } from './pathTree';

/** The one path the URI handler answers: `vscode://PUBLISHER.NAME/get?magnet=<url-encoded magnet>`. */
export const LINK_URI_PATH = '/get';

/** Why `text` is not a magnet link STA can use, in words for the input box (worded by `l10n`); undefined when it is one. */
export function magnetProblem(text: string, l10n: L10n = englishL10n): string | undefined {
  const link = text.trim();
  if (!link) return l10n.t('Paste a magnet link (magnet:?xt=urn:btih:…)');
  if (!link.startsWith('magnet:?')) return l10n.t('A magnet link starts with "magnet:?"');
  try {
    parseMagnet(link);
  } catch {
    return l10n.t('This magnet link has no BitTorrent v1 info-hash (xt=urn:btih: and 40 hex or 32 base32 characters)');
  }
  return undefined;
}

/** The magnet link in `text`; throws with `magnetProblem`'s words when there is none. */
export function magnetOf(text: string, l10n: L10n = englishL10n): Magnet & { link: string } {
  const problem = magnetProblem(text, l10n);
  if (problem) throw new Error(problem);
  const link = text.trim();
  return { ...parseMagnet(link), link };
}

/**
 * The magnet a `vscode://…` URI carries: path `/get` and one `magnet` parameter holding a magnet link.
 * `query` is the URI's query as VS Code gives it (already decoded once: `uri.query`). Anything else throws, saying what is accepted.
 */
export function magnetOfUri(uriPath: string, query: string, l10n: L10n = englishL10n): string {
  const accepted = l10n.t('STA opens only links of the form vscode://…{0}?magnet=<url-encoded magnet link>', LINK_URI_PATH);
  if (uriPath !== LINK_URI_PATH) throw new Error(l10n.t('{0}; this one asks for {1}.', accepted, displayText(uriPath || '/')));
  // VS Code hands over the query decoded once: a magnet inside it keeps its own &… parameters, so the magnet is
  // everything after `magnet=` (a link encoded once or twice reads the same)
  const m = /^magnet=(.*)$/s.exec(query);
  if (!m) throw new Error(`${accepted}.`);
  let link = m[1];
  if (/^magnet%3A/i.test(link)) {
    try {
      link = decodeURIComponent(link);
    } catch {
      throw new Error(l10n.t('{0}; this one is not url-encoded properly.', accepted));
    }
  }
  const problem = magnetProblem(link, l10n);
  if (problem) throw new Error(`${problem}. ${accepted}.`);
  return link.trim();
}

const count = (n: number) => n.toLocaleString('en-US');

/** What a torrent is, in words: "report.pdf (2.0 MiB)" or "the folder photos (12 files, 40 MiB)". */
export function describeTorrent(meta: Metainfo, l10n: L10n = englishL10n): string {
  const name = displayText(meta.name);
  if (!meta.multiFile) return `${name} (${formatBytes(meta.length)})`;
  const n = meta.files.length;
  return n === 1
    ? l10n.t('the folder {0} (1 file, {1})', name, formatBytes(meta.length))
    : l10n.t('the folder {0} ({1} files, {2})', name, count(n), formatBytes(meta.length));
}

/** Some files of a folder torrent: how many of how many, and their size. */
function describePicked(meta: Metainfo, select: readonly string[], l10n: L10n): string {
  const bytes = meta.files.filter((f) => select.includes(f.path)).reduce((n, f) => n + f.length, 0);
  return l10n.t('{0} of the {1} files of the folder {2} ({3})', count(select.length), count(meta.files.length), displayText(meta.name), formatBytes(bytes));
}

/** The catalog path a link's torrent lands at: the catalog's (when it ends in the torrent's name), else its name. */
export function linkCatalogPath(meta: Metainfo, catalogPath: string | undefined): string {
  if (catalogPath && pathParts(catalogPath).pop() === meta.name) return catalogPath;
  return meta.name;
}

/** The question before a link's download: what, how big, where; `shownAs` is the workspace-relative path it lands at. */
/** `select`: the files picked of a folder torrent (paths inside it); absent: every file. */
export function confirmationOf(
  meta: Metainfo,
  shownAs: string,
  fromOutside: boolean,
  select?: readonly string[],
  l10n: L10n = englishL10n,
): { message: string; detail: string } {
  const where = displayText(shownAs) + (meta.multiFile ? '/' : '');
  const message = l10n.t('Download {0} to {1}?', select ? describePicked(meta, select, l10n) : describeTorrent(meta, l10n), where);
  const detail = [
    fromOutside ? l10n.t('This link was opened from outside VS Code (a browser, chat or another app). Download only what you expect.') : '',
    l10n.t('Info-hash {0}. STA never overwrites a different file: it asks first.', meta.infoHashHex),
  ].filter(Boolean).join('\n');
  return { message, detail };
}
