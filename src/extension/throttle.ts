// One redraw for a burst of events: what the views and the status bar use to stay cheap.

/** Views and the status bar redraw at most four times a second, however many events arrive. */
export const REFRESH_DELAY_MS = 250;

/** Runs `run` once, `delayMs` after the first `schedule()` since the last run. */
export class Throttle {
  private timer?: NodeJS.Timeout;

  constructor(private readonly run: () => void, private readonly delayMs = REFRESH_DELAY_MS) {}

  schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.delayMs);
  }

  /** Drops a scheduled run; `schedule()` works again afterwards. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.cancel();
  }
}
