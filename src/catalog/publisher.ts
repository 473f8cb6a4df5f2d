/**
 * Serialises bucket-index.json writes of one tenant. Catalog changes can
 * interleave while a write awaits R2; writing whatever snapshot each caller
 * took could let an older one land last. Here every caller waits for a
 * write that started after its change, and bursts collapse into one write.
 */
export class IndexPublisher {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  /** `write` renders and stores the current catalog; it is called with no other write in flight. */
  constructor(private readonly write: () => Promise<void>) {}

  /** Resolves once a write that began after this call has finished. */
  publish(): Promise<void> {
    if (this.running === null) return this.start();
    // One write queued behind the running one serves every caller until it starts.
    this.queued ??= this.running.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  private startQueued(): Promise<void> {
    this.queued = null;
    return this.start();
  }

  private start(): Promise<void> {
    const p = this.write().finally(() => {
      if (this.running === p) this.running = null;
    });
    this.running = p;
    return p;
  }
}
