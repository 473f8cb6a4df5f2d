/**
 * A counting semaphore for outgoing calls made while serving one request.
 * A Worker invocation may hold only six connections open at once (further
 * ones queue inside the runtime, where a slow store would hold up the
 * ingester calls behind it), so fan-out to federated stores is bounded here
 * and the rest of the budget stays free for promflare's own reads.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`concurrency limit must be at least 1, got ${max}`);
  }

  /** Runs `task` once a slot is free; the slot is held until the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Calls currently holding a slot. */
  get running(): number {
    return this.active;
  }
}
