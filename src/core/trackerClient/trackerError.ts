// Why talking to a tracker failed, as a kind callers can branch on.

/** What went wrong talking to a tracker: callers branch on `kind`, never on the message. */
/** `unsupported`: the tracker does not have the route asked for (a standard tracker asked for one of STA's own). */
export type TrackerErrorKind = 'badUrl' | 'unreachable' | 'timeout' | 'tooLarge' | 'http' | 'refused' | 'malformed' | 'unsupported';

export class TrackerError extends Error {
  constructor(readonly kind: TrackerErrorKind, message: string, readonly status?: number) {
    super(message);
  }
}
