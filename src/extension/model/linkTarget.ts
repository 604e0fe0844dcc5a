// Links from outside (no `vscode`): a magnet typed or pasted, a `vscode://…/get?magnet=…` URI, and the words the
// confirmation uses for what a torrent holds and where it lands. Nothing here downloads anything.
import { displayText, formatBytes, type Magnet, type Metainfo, parseMagnet } from '../../core/api';
import { pathParts } from './pathTree';

/** The one path the URI handler answers: `vscode://PUBLISHER.NAME/get?magnet=<url-encoded magnet>`. */
export const LINK_URI_PATH = '/get';

/** Why `text` is not a magnet link STA can use, in words for the input box; undefined when it is one. */
export function magnetProblem(text: string): string | undefined {
  const link = text.trim();
  if (!link) return 'Paste a magnet link (magnet:?xt=urn:btih:…)';
  if (!link.startsWith('magnet:?')) return 'A magnet link starts with "magnet:?"';
  try {
    parseMagnet(link);
  } catch {
    return 'This magnet link has no BitTorrent v1 info-hash (xt=urn:btih: and 40 hex or 32 base32 characters)';
  }
  return undefined;
}

/** The magnet link in `text`; throws with `magnetProblem`'s words when there is none. */
export function magnetOf(text: string): Magnet & { link: string } {
  const problem = magnetProblem(text);
  if (problem) throw new Error(problem);
  const link = text.trim();
  return { ...parseMagnet(link), link };
}

/**
 * The magnet a `vscode://…` URI carries: path `/get` and one `magnet` parameter holding a magnet link.
 * `query` is the URI's query as VS Code gives it (already decoded once: `uri.query`). Anything else throws, saying what is accepted.
 */
export function magnetOfUri(uriPath: string, query: string): string {
  const accepted = `STA opens only links of the form vscode://…${LINK_URI_PATH}?magnet=<url-encoded magnet link>`;
  if (uriPath !== LINK_URI_PATH) throw new Error(`${accepted}; this one asks for ${displayText(uriPath || '/')}.`);
  // VS Code hands over the query decoded once: a magnet inside it keeps its own &… parameters, so the magnet is
  // everything after `magnet=` (a link encoded once or twice reads the same)
  const m = /^magnet=(.*)$/s.exec(query);
  if (!m) throw new Error(`${accepted}.`);
  let link = m[1];
  if (/^magnet%3A/i.test(link)) {
    try {
      link = decodeURIComponent(link);
    } catch {
      throw new Error(`${accepted}; this one is not url-encoded properly.`);
    }
  }
  const problem = magnetProblem(link);
  if (problem) throw new Error(`${problem}. ${accepted}.`);
  return link.trim();
}

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** What a torrent is, in words: "report.pdf (2.0 MiB)" or "the folder photos (12 files, 40 MiB)". */
export function describeTorrent(meta: Metainfo): string {
  const name = displayText(meta.name);
  if (!meta.multiFile) return `${name} (${formatBytes(meta.length)})`;
  return `the folder ${name} (${plural(meta.files.length, 'file')}, ${formatBytes(meta.length)})`;
}

/** Some files of a folder torrent: how many of how many, and their size. */
function describePicked(meta: Metainfo, select: readonly string[]): string {
  const bytes = meta.files.filter((f) => select.includes(f.path)).reduce((n, f) => n + f.length, 0);
  return `${select.length} of the ${meta.files.length} files of the folder ${displayText(meta.name)} (${formatBytes(bytes)})`;
}

/** The catalog path a link's torrent lands at: the catalog's (when it ends in the torrent's name), else its name. */
export function linkCatalogPath(meta: Metainfo, catalogPath: string | undefined): string {
  if (catalogPath && pathParts(catalogPath).pop() === meta.name) return catalogPath;
  return meta.name;
}

/** The question before a link's download: what, how big, where; `shownAs` is the workspace-relative path it lands at. */
/** `select`: the files picked of a folder torrent (paths inside it); absent: every file. */
export function confirmationOf(meta: Metainfo, shownAs: string, fromOutside: boolean, select?: readonly string[]): { message: string; detail: string } {
  const where = displayText(shownAs) + (meta.multiFile ? '/' : '');
  const message = `Download ${select ? describePicked(meta, select) : describeTorrent(meta)} to ${where}?`;
  const detail = [
    fromOutside ? 'This link was opened from outside VS Code (a browser, chat or another app). Download only what you expect.' : '',
    `Info-hash ${meta.infoHashHex}. STA never overwrites a different file: it asks first.`,
  ].filter(Boolean).join('\n');
  return { message, detail };
}
