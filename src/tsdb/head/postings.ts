/**
 * The inverted index of the head: for every label pair, the ascending refs
 * of the series that carry it. Series refs only grow, so appending a new
 * series keeps every list sorted without a sort.
 */
import type { Matcher } from "../../model/matchers";

export type PostingsList = readonly number[];

/** One label name's values, and the number of series carrying each (`counts[i]` for `values[i]`). */
export interface LabelPairCounts {
  readonly name: string;
  readonly values: string[];
  readonly counts: number[];
}

const EMPTY: PostingsList = [];

/**
 * A list with one ref is stored as the bare number: label values unique to
 * one series (pod names, instance addresses) are common, and an array per
 * such value would cost more than the rest of the series' index entries.
 */
type Stored = number | number[];

function asList(p: Stored): PostingsList {
  return typeof p === "number" ? [p] : p;
}

export class MemPostings {
  private readonly byName = new Map<string, Map<string, Stored>>();
  private readonly all: number[] = [];

  add(ref: number, pairs: Iterable<readonly [string, string]>): void {
    this.all.push(ref);
    for (const [name, value] of pairs) {
      let values = this.byName.get(name);
      if (values === undefined) {
        values = new Map();
        this.byName.set(name, values);
      }
      const list = values.get(value);
      if (list === undefined) values.set(value, ref);
      else if (typeof list === "number") values.set(value, [list, ref]);
      else list.push(ref);
    }
  }

  get(name: string, value: string): PostingsList {
    const p = this.byName.get(name)?.get(value);
    return p === undefined ? EMPTY : asList(p);
  }

  allPostings(): PostingsList {
    return this.all;
  }

  labelNames(): IterableIterator<string> {
    return this.byName.keys();
  }

  labelValues(name: string): IterableIterator<string> {
    return (this.byName.get(name) ?? new Map<string, Stored>()).keys();
  }

  /**
   * Refs of series matching every matcher, ascending. Follows Prometheus's
   * plan: intersect the lists of matchers that need the label, then remove
   * series excluded by matchers that also accept an absent label.
   */
  forMatchers(matchers: readonly Matcher[]): PostingsList {
    const include: PostingsList[] = [];
    const exclude: PostingsList[] = [];
    for (const m of matchers) {
      if (m.matchesEmpty()) {
        // `l!="x"`, `l=~"x|"`, …: every series without a rejected value matches.
        const rejected: PostingsList[] = [];
        const values = this.byName.get(m.name);
        if (values) for (const [v, list] of values) if (!m.matches(v)) rejected.push(asList(list));
        if (rejected.length > 0) exclude.push(union(rejected));
      } else if (m.type === "=") {
        include.push(this.get(m.name, m.value));
      } else {
        const accepted: PostingsList[] = [];
        const values = this.byName.get(m.name);
        if (values) for (const [v, list] of values) if (m.matches(v)) accepted.push(asList(list));
        include.push(union(accepted));
      }
    }
    let out: PostingsList;
    if (include.length === 0) out = this.all;
    else {
      include.sort((a, b) => a.length - b.length);
      out = include[0]!;
      for (let i = 1; i < include.length && out.length > 0; i++) out = intersect(out, include[i]!);
    }
    for (const ex of exclude) {
      if (out.length === 0) break;
      out = subtract(out, ex);
    }
    return out;
  }

  /** Every label name with its values and, per value, how many series carry the pair (for TSDB status). */
  pairCounts(): LabelPairCounts[] {
    const out: LabelPairCounts[] = [];
    for (const [name, values] of this.byName) {
      const vs: string[] = [];
      const counts: number[] = [];
      for (const [v, list] of values) {
        vs.push(v);
        counts.push(typeof list === "number" ? 1 : list.length);
      }
      out.push({ name, values: vs, counts });
    }
    return out;
  }

  /** Drops refs for which `keep` is false (after series are removed from the head). */
  retain(keep: (ref: number) => boolean): void {
    filterInPlace(this.all, keep);
    for (const [name, values] of this.byName) {
      for (const [v, list] of values) {
        if (typeof list === "number") {
          if (!keep(list)) values.delete(v);
          continue;
        }
        filterInPlace(list, keep);
        if (list.length === 0) values.delete(v);
        else if (list.length === 1) values.set(v, list[0]!);
      }
      if (values.size === 0) this.byName.delete(name);
    }
  }
}

function filterInPlace(list: number[], keep: (ref: number) => boolean): void {
  let j = 0;
  for (let i = 0; i < list.length; i++) if (keep(list[i]!)) list[j++] = list[i]!;
  list.length = j;
}

export function intersect(a: PostingsList, b: PostingsList): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

export function subtract(a: PostingsList, b: PostingsList): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j]! !== x) out.push(x);
  }
  return out;
}

/** Sorted union of sorted lists, by pairwise merging. */
export function union(lists: readonly PostingsList[]): PostingsList {
  if (lists.length === 0) return EMPTY;
  let level: PostingsList[] = lists.slice();
  while (level.length > 1) {
    const next: PostingsList[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? merge2(level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}

function merge2(a: PostingsList, b: PostingsList): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
