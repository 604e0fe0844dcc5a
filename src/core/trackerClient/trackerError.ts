// Why talking to a tracker failed, as a kind callers can branch on.

/** What went wrong talking to a tracker: callers branch on `kind`, never on the message. */
export type TrackerErrorKind = 'badUrl' | 'unreachable' | 'timeout' | 'tooLarge' | 'http' | 'refused' | 'malformed';

export class TrackerError extends Error {
  constructor(readonly kind: TrackerErrorKind, message: string, readonly status?: number) {
    super(message);
  }
}
