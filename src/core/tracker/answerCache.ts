// Big answers (the catalog list, a full scrape) built at most once per period and served from
// the cache: a flood of requests for them costs one build a second, and every answer is the
// same Buffer, so unread answers do not multiply memory.
import { ANSWER_CACHE_MS } from './limits';

export class AnswerCache {
  private body?: Buffer;
  private builtAt = 0;
  private builtVersion = -1;
  private waiting: ((body: Buffer) => void)[] = [];
  private timer?: NodeJS.Timeout;

  /** `version()` changes when what the answer lists changes (not its counts). */
  constructor(
    private readonly build: () => Buffer,
    private readonly version: () => number = () => 0,
    private readonly everyMs = ANSWER_CACHE_MS,
  ) {}

  /** The answer, at most `everyMs` old: counts may lag that much, and a change may too. */
  current(now = Date.now()): Buffer {
    if (this.body === undefined || now - this.builtAt >= this.everyMs) this.rebuild(now);
    return this.body!;
  }

  /**
   * Calls `answer` with an answer that lists every change made before the call: at once from the
   * cache when nothing changed since it was built, else after the next build (at most `everyMs`).
   */
  whenFresh(answer: (body: Buffer) => void, now = Date.now()): void {
    if (this.body !== undefined && this.builtVersion === this.version() && now - this.builtAt < this.everyMs) return answer(this.body);
    if (this.body === undefined || now - this.builtAt >= this.everyMs) return answer(this.rebuild(now));
    this.waiting.push(answer);
    this.timer ??= setTimeout(() => this.flush(), this.builtAt + this.everyMs - now);
  }

  /** Forgets waiting answers (their connections are closing). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = [];
  }

  private flush(): void {
    this.timer = undefined;
    const body = this.rebuild(Date.now());
    const waiting = this.waiting;
    this.waiting = [];
    for (const answer of waiting) answer(body);
  }

  private rebuild(now: number): Buffer {
    this.builtVersion = this.version();
    this.body = this.build();
    this.builtAt = now;
    return this.body;
  }
}
