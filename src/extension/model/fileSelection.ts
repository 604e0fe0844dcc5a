// A multi-file torrent's chosen files as core's `select` globs (no `vscode`): each an exact path, every
// character picomatch reads as syntax escaped, so `a[1].txt` or `!x` select that file and nothing else.

/** picomatch's syntax characters (globs, extglobs, braces, brackets, regex-like, negation) */
const GLOB_SYNTAX = /[\\*?[\]{}()!+@|^$.,#~"'`&=<>:;%-]/g;

/** One glob that matches exactly `path` (a `/`-separated path inside the torrent). */
export function exactGlob(path: string): string {
  return path.replace(GLOB_SYNTAX, (c) => `\\${c}`);
}

/** `paths` (exact paths inside a torrent) as `select` globs. */
export function globsOfPaths(paths: readonly string[]): string[] {
  return paths.map(exactGlob);
}
