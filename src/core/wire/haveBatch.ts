// Have messages leave together: in a crowd a piece is verified every few milliseconds, and a have
// sent alone costs a send, a wake-up and a read on each side. They wait HAVE_BATCH_MS, or until
// the next requests or block we send that peer, whichever comes first (aria2 batches its haves too).
import * as M from './messages';

export const HAVE_BATCH_MS = 25;

export class HaveBatch {
  private readonly pending: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly write: (bytes: Buffer) => void) {}

  /** Piece `index` is announced within HAVE_BATCH_MS. */
  add(index: number): void {
    if (this.stopped) return;
    this.pending.push(index);
    this.timer ??= setTimeout(this.flush, HAVE_BATCH_MS).unref();
  }

  /** Sends what waits now. */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.stopped) return;
    this.write(M.haves(this.pending));
    this.pending.length = 0;
  };

  /** Sends what waits now, if anything does (cheap when nothing does). */
  flushIfAny(): void {
    if (this.pending.length > 0) this.flush();
  }

  /** The connection closed: nothing more is sent. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pending.length = 0;
  }
}
