/**
 * Query-time deduplication of HA replicas, with Thanos's "penalty"
 * algorithm.
 *
 * Series that are equal once the replica labels are removed are the same
 * data scraped by several Prometheus replicas, with slightly different
 * timestamps and gaps where a replica was down. Interleaving them would
 * double the apparent scrape rate, so the merge stays on one replica and
 * only switches when that replica shows a gap: after emitting a sample from
 * one replica, the others are held back by a penalty of twice the last
 * observed interval (5 s before any interval is known).
 *
 * Several replicas fold pairwise, ((r0 ⊕ r1) ⊕ r2) …, as in Thanos.
 *
 * For counters (the selector feeds rate/increase/irate/resets) a replica
 * that lags behind the one it takes over from would look like a counter
 * reset; its values are lifted by the shortfall seen at the switch.
 */
import { relabeled } from "../storage/samples";
import type { Series } from "../storage/storage";
import { type Labels, compareLabels, labelsKey, withoutLabels } from "../model/labels";

/** Hold-back before any scrape interval has been observed (ms), as in Thanos. */
export const INITIAL_PENALTY_MS = 5000;

export interface DedupOptions {
  /** The PromQL function the selector feeds (SelectHints.func). */
  readonly func?: string;
}

/** Functions whose input Thanos treats as a counter. */
export function isCounterFunc(func: string | undefined): boolean {
  return func === "rate" || func === "increase" || func === "irate" || func === "resets";
}

/**
 * Groups `series` by their labels without `replicaLabels`, merges each group,
 * and returns the result sorted by labels. Series without any replica label
 * pass through (with their arrays shared, not copied).
 */
export function dedupSeries(series: readonly Series[], replicaLabels: readonly string[], opts: DedupOptions = {}): Series[] {
  if (replicaLabels.length === 0) return [...series].sort((a, b) => compareLabels(a.labels, b.labels));
  const names = new Set(replicaLabels);
  const groups = new Map<string, { labels: Labels; members: Series[] }>();
  for (const s of series) {
    const labels = withoutLabels(s.labels, names);
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { labels, members: [s] });
    else g.members.push(s);
  }
  const counter = isCounterFunc(opts.func);
  const out: Series[] = [];
  for (const { labels, members } of groups.values()) {
    if (members.length === 1) {
      // Unmerged: still undecoded if it was.
      out.push(relabeled(members[0]!, labels));
      continue;
    }
    // Replicas in label order, so the first one preferred is deterministic.
    members.sort((a, b) => compareLabels(a.labels, b.labels));
    out.push({ labels, ...mergeReplicas(members, counter) });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Merges the samples of replicas of one series with the penalty algorithm. */
export function mergeReplicas(
  replicas: readonly Pick<Series, "timestamps" | "values">[],
  counter = false,
): { timestamps: Float64Array; values: Float64Array } {
  let capacity = 0;
  for (const r of replicas) capacity += r.timestamps.length;
  let it: SampleIterator = new ReplicaIterator(replicas[0]!, counter);
  for (let i = 1; i < replicas.length; i++) it = new DedupIterator(it, new ReplicaIterator(replicas[i]!, counter));

  const ts = new Float64Array(capacity);
  const vs = new Float64Array(capacity);
  let n = 0;
  while (it.next()) {
    ts[n] = it.atT();
    vs[n] = it.atV();
    n++;
  }
  // One copy per series to release the over-allocation; never per sample.
  return n === capacity ? { timestamps: ts, values: vs } : { timestamps: ts.slice(0, n), values: vs.slice(0, n) };
}

/**
 * A cursor over samples. `next` and `seek` return false once exhausted;
 * `atT`/`atV` are only meaningful after one of them returned true.
 */
interface SampleIterator {
  next(): boolean;
  /** Moves to the first sample at or after `t`; never moves backwards. */
  seek(t: number): boolean;
  atT(): number;
  atV(): number;
  /**
   * Told the value emitted just before switching to this iterator: a
   * counter replica whose current value is lower lifts itself by the gap.
   */
  adjust(lastValue: number): void;
}

/** One replica's arrays; with `counter`, values carry the accumulated lift. */
class ReplicaIterator implements SampleIterator {
  private i = -1;
  private lift = 0;
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private readonly counter: boolean;

  constructor(s: Pick<Series, "timestamps" | "values">, counter: boolean) {
    this.ts = s.timestamps;
    this.vs = s.values;
    this.counter = counter;
  }

  next(): boolean {
    return ++this.i < this.ts.length;
  }

  seek(t: number): boolean {
    const ts = this.ts;
    let i = this.i < 0 ? 0 : this.i;
    while (i < ts.length && ts[i]! < t) i++;
    this.i = i;
    return i < ts.length;
  }

  atT(): number {
    return this.ts[this.i]!;
  }

  atV(): number {
    return this.vs[this.i]! + this.lift;
  }

  adjust(lastValue: number): void {
    if (!this.counter) return;
    const v = this.atV();
    if (lastValue > v) this.lift += lastValue - v;
  }
}

/** Thanos's two-way penalty merge; either side may itself be a merge. */
class DedupIterator implements SampleIterator {
  private readonly a: SampleIterator;
  private readonly b: SampleIterator;
  private aOk: boolean;
  private bOk: boolean;
  private useA = true;
  private started = false;
  private ok = false;
  private lastT = Number.NEGATIVE_INFINITY;
  private penA = 0;
  private penB = 0;

  constructor(a: SampleIterator, b: SampleIterator) {
    this.a = a;
    this.b = b;
    this.aOk = a.next();
    this.bOk = b.next();
  }

  next(): boolean {
    if (this.started && !this.ok) return false;
    const emitted = this.ok;
    const lastV = emitted ? this.atV() : 0;
    const wasA = this.useA;
    this.started = true;

    if (this.aOk) this.aOk = this.a.seek(this.lastT + 1 + this.penA);
    if (this.bOk) this.bOk = this.b.seek(this.lastT + 1 + this.penB);

    if (!this.aOk) {
      this.useA = false;
      this.ok = this.bOk;
      if (this.bOk) {
        this.lastT = this.b.atT();
        this.penB = 0;
      }
    } else if (!this.bOk) {
      this.useA = true;
      this.ok = true;
      this.lastT = this.a.atT();
      this.penA = 0;
    } else {
      // Both have data: take the earlier; the penalty applied by the seeks
      // has already skipped samples that would raise the sample rate.
      const ta = this.a.atT();
      const tb = this.b.atT();
      this.useA = ta <= tb;
      this.ok = true;
      const t = this.useA ? ta : tb;
      const penalty = this.lastT === Number.NEGATIVE_INFINITY ? INITIAL_PENALTY_MS : 2 * (t - this.lastT);
      if (this.useA) {
        this.penB = penalty;
        this.penA = 0;
      } else {
        this.penA = penalty;
        this.penB = 0;
      }
      this.lastT = t;
    }

    // Unlike Thanos, only adjust after a sample was actually emitted: the
    // first pick is not a switch.
    if (emitted && this.ok && this.useA !== wasA) this.adjust(lastV);
    return this.ok;
  }

  seek(t: number): boolean {
    // Step with next rather than seeking the children, so gaps are seen.
    if (!this.started && !this.next()) return false;
    while (this.ok) {
      if (this.atT() >= t) return true;
      this.next();
    }
    return false;
  }

  atT(): number {
    return this.useA ? this.a.atT() : this.b.atT();
  }

  atV(): number {
    return this.useA ? this.a.atV() : this.b.atV();
  }

  adjust(lastValue: number): void {
    if (this.aOk) this.a.adjust(lastValue);
    if (this.bOk) this.b.adjust(lastValue);
  }
}
