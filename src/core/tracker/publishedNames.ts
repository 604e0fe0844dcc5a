// Names and paths that others will see: a published torrent's name and its catalog path pass the
// downloader's own rule (safePath), and nothing the tracker logs carries control characters.
import { assertSafeName, PathError } from '../storage/safePath';
import { HttpError } from './httpError';

/** C0, DEL, C1 and the bidirectional controls that make `evil\u202Egnp.exe` read as `evilexe.png` */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** longest catalog path accepted */
export const MAX_CATALOG_PATH = 1024;

/** `text` with every control character replaced by `?`: what goes into a log line or an error message. */
export function printable(text: string): string {
  return text.replace(CONTROL_ALL, '?');
}

/** Throws HttpError 400 unless `name` is one plain path component the downloader would accept. */
export function checkName(name: string, what = 'the torrent\'s name'): void {
  try {
    assertSafeName(name);
  } catch (e) {
    if (e instanceof PathError) throw new HttpError(400, `${what} is refused: ${printable(e.message)}`);
    throw e;
  }
  if (CONTROL.test(name)) throw new HttpError(400, `${what} ${JSON.stringify(printable(name))} contains a control character`);
}

/**
 * The catalog path of a publish: `raw` (workspace-relative, `\` read as `/`) when every part is a
 * safe name and the last part is the torrent's `name`; `name` itself when no path was given.
 */
export function catalogPathOf(raw: string | undefined, name: string): string {
  if (!raw) return name;
  if (raw.length > MAX_CATALOG_PATH) throw new HttpError(400, `the path is longer than ${MAX_CATALOG_PATH} characters`);
  const parts = raw.replace(/\\/g, '/').split('/');
  for (const p of parts) checkName(p, 'a part of the path');
  if (parts[parts.length - 1] !== name) throw new HttpError(400, 'the path must end in the torrent\'s name');
  return parts.join('/');
}
