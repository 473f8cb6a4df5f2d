/**
 * An in-memory `Querier` over appended float samples: the conformance
 * runner's storage and a fixture for engine tests. Series are kept sorted by
 * labels so `select` answers in Prometheus's order without re-sorting.
 */
import { compareLabels, labelsKey, type Labels } from "../model/labels";
import { matchesAll, type Matcher } from "../model/matchers";
import { lowerBound } from "./samples";
import type { LabelHints, Querier, SelectHints, Series } from "./storage";

/**
 * Values live in a Float64Array, never a number[]: V8 canonicalises NaNs
 * stored into double arrays, which would erase staleness markers.
 */
interface MemSeries {
  readonly labels: Labels;
  timestamps: number[];
  values: Float64Array;
}

export class MemoryStorage implements Querier {
  private readonly byKey = new Map<string, MemSeries>();
  private sorted: MemSeries[] | null = [];

  /** Appends samples (timestamps in ms); out-of-order samples are merged in, a repeated timestamp overwrites. */
  append(labels: Labels, timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    const key = labelsKey(labels);
    let s = this.byKey.get(key);
    if (!s) {
      s = { labels, timestamps: [], values: new Float64Array(16) };
      this.byKey.set(key, s);
      this.sorted = null;
    }
    for (let i = 0; i < timestamps.length; i++) insertSample(s, timestamps[i]!, values[i]!);
  }

  clear(): void {
    this.byKey.clear();
    this.sorted = [];
  }

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    const out: Series[] = [];
    for (const s of this.all()) {
      if (!matchesAll(matchers, s.labels)) continue;
      if (hints.seriesOnly) {
        out.push({ labels: s.labels, timestamps: new Float64Array(0), values: new Float64Array(0) });
      } else {
        const lo = lowerBound(s.timestamps, hints.start);
        const hi = lowerBound(s.timestamps, hints.end + 1);
        if (lo === hi) continue;
        out.push({
          labels: s.labels,
          timestamps: Float64Array.from(s.timestamps.slice(lo, hi)),
          values: s.values.slice(lo, hi),
        });
      }
      if (hints.limit && out.length >= hints.limit) break;
    }
    return out;
  }

  async labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.matching(matchers, hints)) for (const l of s.labels) names.add(l.name);
    return limit([...names].sort(), hints.limit);
  }

  async labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const values = new Set<string>();
    for (const s of this.matching(matchers, hints)) {
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return limit([...values].sort(), hints.limit);
  }

  private *matching(matchers: readonly Matcher[], hints: LabelHints): Iterable<MemSeries> {
    for (const s of this.all()) {
      if (!matchesAll(matchers, s.labels)) continue;
      if (lowerBound(s.timestamps, hints.start) === lowerBound(s.timestamps, hints.end + 1)) continue;
      yield s;
    }
  }

  private all(): MemSeries[] {
    if (!this.sorted) this.sorted = [...this.byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    return this.sorted;
  }
}

function limit(xs: string[], n: number | undefined): string[] {
  return n ? xs.slice(0, n) : xs;
}

function insertSample(s: MemSeries, t: number, v: number): void {
  const n = s.timestamps.length;
  const i = n === 0 || s.timestamps[n - 1]! < t ? n : lowerBound(s.timestamps, t);
  if (i < n && s.timestamps[i] === t) {
    s.values[i] = v;
    return;
  }
  if (n === s.values.length) {
    const grown = new Float64Array(n * 2);
    grown.set(s.values);
    s.values = grown;
  }
  s.timestamps.splice(i, 0, t);
  s.values.copyWithin(i + 1, i, n);
  s.values[i] = v;
}
