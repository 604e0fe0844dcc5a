// The team key: with a key K every route lives under /K/ (the private-tracker convention, so the
// keyed announce URL works as-is in any BitTorrent client). The key is compared in constant time.

/** What a request without the right key gets, whatever it asked for: the same words, nothing more. */
export const KEY_REFUSAL = 'this tracker needs its team key in the URL: ask whoever runs it for the invite';

export class RouteKey {
  /** `/KEY`, or '' without a key: what goes before every route in a URL */
  readonly prefix: string;

  constructor(readonly key?: string) {
    this.prefix = key ? `/${key}` : '';
  }

  /**
   * Where the route starts in `path`: 0 without a key; just after `/KEY` when `path` starts with
   * `/KEY/`; -1 otherwise. The time taken depends on the key's length only, not on where a wrong
   * key differs, so the key cannot be guessed a character at a time. Allocates nothing.
   */
  start(path: string): number {
    const k = this.key;
    if (k === undefined) return 0;
    let diff = path.charCodeAt(0) ^ 0x2f;
    // charCodeAt past the end is NaN, and NaN | 0 is 0, which no key character equals
    for (let i = 0; i < k.length; i++) diff |= (path.charCodeAt(i + 1) | 0) ^ k.charCodeAt(i);
    diff |= (path.charCodeAt(k.length + 1) | 0) ^ 0x2f;
    return diff === 0 ? k.length + 1 : -1;
  }
}
