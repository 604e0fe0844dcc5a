// The engine's one logger interface. The CLI prints it; the extension feeds a LogOutputChannel.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

export function consoleLogger(prefix = '', verbose = false): Logger {
  const stamp = () => new Date().toISOString();
  return {
    info: (m) => console.error(`${stamp()} ${prefix}${m}`),
    warn: (m) => console.error(`${stamp()} ${prefix}warn: ${m}`),
    error: (m) => console.error(`${stamp()} ${prefix}error: ${m}`),
    debug: (m) => verbose && console.error(`${stamp()} ${prefix}debug: ${m}`),
  };
}

/**
 * Lets through at most `perSecond` lines a second and reports how many it dropped, so a
 * flood of bad requests can neither fill a disk nor slow the process down.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private count = 0;
  private dropped = 0;
  constructor(private readonly write: (msg: string) => void, private readonly perSecond = 20) {}

  line(msg: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) this.write(`(${this.dropped} similar lines suppressed)`);
      this.windowStart = now;
      this.count = 0;
      this.dropped = 0;
    }
    if (this.count++ < this.perSecond) this.write(msg);
    else this.dropped++;
  }
}
