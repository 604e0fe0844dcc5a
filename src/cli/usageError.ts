// The command line itself was wrong: `sta` reports the message and exits 2.
export class UsageError extends Error {}
