// A session's chores, each named with its own period, all run from one timer: a workspace may
// seed thousands of files, and a timer per chore per torrent would multiply the wake-ups. The
// timer runs only while started: an idle seed stops it (see TorrentSession).

export interface PeriodicJob {
  /** a multiple of the scheduler's tick */
  everyMs: number;
  run: () => void;
}

export class PeriodicJobs {
  private readonly list: PeriodicJob[];
  private timer?: NodeJS.Timeout;
  private elapsed = 0;

  constructor(private readonly tickMs: number, jobs: Record<string, PeriodicJob>) {
    for (const [name, job] of Object.entries(jobs)) {
      if (job.everyMs % tickMs !== 0) throw new RangeError(`job ${name} every ${job.everyMs} ms is not a multiple of the ${tickMs} ms tick`);
    }
    this.list = Object.values(jobs);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.elapsed += this.tickMs;
    for (const job of this.list) if (this.elapsed % job.everyMs === 0) job.run();
  }
}
