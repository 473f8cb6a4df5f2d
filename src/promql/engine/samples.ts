/**
 * The max-samples limit, counted as Prometheus counts it: a running total of
 * the samples a query holds in memory at once (selector output, range
 * windows, intermediate results still referenced), not the sum of every
 * node's output. A node's inputs stay counted until it has produced its
 * result, after which only the result does.
 */
import { QueryError, TOO_MANY_SAMPLES, type StepMatrix } from "./types";

export class SampleTracker {
  /** Samples held right now. */
  current = 0;
  /** Most samples held at any one time (the API's `peakSamples`). */
  peak = 0;
  /** Samples read by selectors and range windows, over all steps (`totalQueryableSamples`). */
  loaded = 0;

  constructor(readonly max: number) {}

  /** `n` more samples are held. */
  add(n: number): void {
    this.current += n;
    this.observe(this.current);
  }

  /**
   * A transient total (the current count plus samples held only for a
   * moment, such as one step's inputs or a range window) reaches `n`.
   */
  observe(n: number): void {
    if (n > this.peak) this.peak = n;
    if (n > this.max) throw new QueryError("too_many_samples", TOO_MANY_SAMPLES);
  }

  /** A node finished: what it held is released and its result, `n` samples over `base`, stays. */
  settle(base: number, n: number): void {
    this.current = base + n;
    this.observe(this.current);
  }
}

export function matrixSamples(m: StepMatrix): number {
  let n = 0;
  for (const s of m) n += s.ts.length;
  return n;
}
