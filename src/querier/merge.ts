/**
 * Merging what several sources returned: sorted string lists (label names and
 * values) and series that several sources hold (head and blocks overlap at
 * their boundary; HA replicas are deduplicated elsewhere).
 */
import { compareLabels, labelsKey } from "../model/labels";
import type { Series } from "../storage/storage";
import { float64Bits } from "../tsdb/chunkenc/xor";

/** Sorted union of sorted lists, cut at `limit` (0 = no limit). */
export function mergeSortedStrings(lists: readonly (readonly string[])[], limit = 0): string[] {
  const set = new Set<string>();
  for (const l of lists) for (const s of l) set.add(s);
  const out = [...set].sort();
  return limit > 0 && out.length > limit ? out.slice(0, limit) : out;
}

/**
 * Unions series from several sources. Series with equal labels are merged
 * sample by sample in time order; a timestamp present in more than one
 * source is kept once (the first source wins), so a block and the head that
 * both hold a sample return it once.
 */
export function mergeSeriesSets(sets: readonly (readonly Series[])[]): Series[] {
  // Usually only one source has anything (no blocks yet, or a range the head
  // no longer holds): its series are sorted already and need no keys.
  const nonEmpty = sets.filter((s) => s.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty.length === 0 ? [] : nonEmpty[0]!.slice();
  sets = nonEmpty;
  const byKey = new Map<string, Series[]>();
  for (const set of sets) {
    for (const s of set) {
      const k = labelsKey(s.labels);
      const group = byKey.get(k);
      if (group) group.push(s);
      else byKey.set(k, [s]);
    }
  }
  const out: Series[] = [];
  for (const group of byKey.values()) out.push(group.length === 1 ? group[0]! : mergeSamples(group));
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

function mergeSamples(group: readonly Series[]): Series {
  let total = 0;
  for (const s of group) total += s.timestamps.length;
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  const pos = new Int32Array(group.length);
  // Values move as bits so that staleness markers keep their NaN payload.
  const bits = float64Bits(vs);
  const srcBits = group.map((s) => float64Bits(s.values));
  let n = 0;
  for (;;) {
    let best = -1;
    let bestT = Infinity;
    for (let i = 0; i < group.length; i++) {
      const s = group[i]!;
      const p = pos[i]!;
      if (p < s.timestamps.length && s.timestamps[p]! < bestT) {
        bestT = s.timestamps[p]!;
        best = i;
      }
    }
    if (best < 0) break;
    ts[n] = bestT;
    const from = pos[best]!;
    bits[2 * n] = srcBits[best]![2 * from]!;
    bits[2 * n + 1] = srcBits[best]![2 * from + 1]!;
    n++;
    for (let i = 0; i < group.length; i++) {
      const s = group[i]!;
      if (pos[i]! < s.timestamps.length && s.timestamps[pos[i]!] === bestT) pos[i]!++;
    }
  }
  return { labels: group[0]!.labels, timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}
