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

/**
 * Sources usually follow each other in time (blocks, then the head) and at
 * most overlap at a boundary, so samples are copied in runs: the source with
 * the earliest next sample gives everything before the next sample of any
 * other source in one typed-array copy.
 */
export function mergeSamples(group: readonly Series[]): Series {
  let total = 0;
  for (const s of group) total += s.timestamps.length;
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  // Values move as bits so that staleness markers keep their NaN payload.
  const bits = float64Bits(vs);
  const srcTs = group.map((s) => s.timestamps);
  const srcBits = group.map((s) => float64Bits(s.values));
  const pos = new Int32Array(group.length);
  let n = 0;
  for (;;) {
    // The earliest next sample (the first source wins a tie) and the one after it.
    let best = -1;
    let bestT = Infinity;
    let nextT = Infinity;
    for (let i = 0; i < group.length; i++) {
      const p = pos[i]!;
      if (p >= srcTs[i]!.length) continue;
      const t = srcTs[i]![p]!;
      if (t < bestT) {
        nextT = bestT;
        bestT = t;
        best = i;
      } else if (t < nextT) nextT = t;
    }
    if (best < 0) break;
    const from = pos[best]!;
    const sts = srcTs[best]!;
    let to = from + 1;
    while (to < sts.length && sts[to]! < nextT) to++;
    ts.set(sts.subarray(from, to), n);
    bits.set(srcBits[best]!.subarray(2 * from, 2 * to), 2 * n);
    n += to - from;
    pos[best] = to;
    // Others holding the last copied timestamp skip it: it is kept once.
    const last = sts[to - 1]!;
    for (let i = 0; i < group.length; i++) {
      if (pos[i]! < srcTs[i]!.length && srcTs[i]![pos[i]!] === last) pos[i]!++;
    }
  }
  return { labels: group[0]!.labels, timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}
