/**
 * Extents of a range query's result, as Mimir's query-frontend caches them:
 * the series a query gave for the steps from `start` to `end`. A range
 * query's steps are evaluated independently of one another, so the result
 * for [a, c] is the result for [a, b] followed by that for (b, c] on the
 * same step grid; this is what lets a cached extent answer part of a later
 * query and the engine compute only the rest.
 */
import { compareLabels, labelsKey } from "../model/labels";
import type { QuerySeries } from "../promql/engine";
import { lowerBound } from "../storage/samples";

/** Every step of the grid from `start` to `end` (both included) was evaluated; `series` holds what it gave. */
export interface Extent {
  readonly start: number;
  readonly end: number;
  readonly series: readonly QuerySeries[];
}

export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** The last step of the grid through `origin` at or before `t`. */
export function stepAtOrBefore(t: number, origin: number, step: number): number {
  return origin + Math.floor((t - origin) / step) * step;
}

/** The first step of the grid through `origin` at or after `t`. */
export function stepAtOrAfter(t: number, origin: number, step: number): number {
  return origin + Math.ceil((t - origin) / step) * step;
}

/**
 * The parts of [start, end] on the step grid that `covered` (sorted, not
 * overlapping, on the same grid) leaves out.
 */
export function gaps(start: number, end: number, step: number, covered: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let next = start;
  for (const c of covered) {
    if (c.end < next) continue;
    if (c.start > end) break;
    if (c.start > next) out.push({ start: next, end: Math.min(end, c.start - step) });
    next = c.end + step;
    if (next > end) return out;
  }
  if (next <= end) out.push({ start: next, end });
  return out;
}

/** The points of each series from `from` to `to` (views, not copies); series left empty are dropped. */
export function slice(series: readonly QuerySeries[], from: number, to: number): QuerySeries[] {
  const out: QuerySeries[] = [];
  for (const s of series) {
    const lo = lowerBound(s.timestamps, from);
    const hi = lowerBound(s.timestamps, to + 1);
    if (hi > lo) out.push({ labels: s.labels, timestamps: s.timestamps.subarray(lo, hi), values: s.values.subarray(lo, hi) });
  }
  return out;
}

/**
 * Joins results of consecutive, non-overlapping parts of one query, given in
 * time order, into one, series sorted by labels as the engine sorts them.
 */
export function concat(parts: readonly (readonly QuerySeries[])[]): QuerySeries[] {
  const byKey = new Map<string, QuerySeries[]>();
  for (const part of parts) {
    for (const s of part) {
      const key = labelsKey(s.labels);
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [s]);
      else list.push(s);
    }
  }
  const out: QuerySeries[] = [];
  for (const list of byKey.values()) out.push(list.length === 1 ? list[0]! : joined(list));
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

function joined(list: readonly QuerySeries[]): QuerySeries {
  let n = 0;
  for (const s of list) n += s.timestamps.length;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let at = 0;
  for (const s of list) {
    timestamps.set(s.timestamps, at);
    values.set(s.values, at);
    at += s.timestamps.length;
  }
  return { labels: list[0]!.labels, timestamps, values };
}

/** `extents` with `e` added; older extents it overlaps give way to it, being older. */
export function withExtent(extents: readonly Extent[], e: Extent): Extent[] {
  const kept = extents.filter((x) => x.end < e.start || x.start > e.end);
  kept.push(e);
  return kept.sort((a, b) => a.start - b.start);
}
