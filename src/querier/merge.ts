/**
 * Merging what several sources returned: sorted string lists (label names and
 * values) and decoded series that several sources hold (the local data and
 * federated stores, or tenants; heads and blocks are joined before decoding,
 * see chunks.ts, and HA replicas are deduplicated elsewhere).
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
 * source is kept once (the first source wins).
 */
export function mergeSeriesSets(sets: readonly (readonly Series[])[]): Series[] {
  // Usually only one source has anything: its series are sorted already and
  // need no keys.
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
 * Merges the samples of series with equal labels; on a timestamp several
 * hold, the earlier one in `group` wins. Folded two at a time.
 */
function mergeSamples(group: readonly Series[]): Series {
  let acc = group[0]!;
  for (let i = 1; i < group.length; i++) acc = mergeTwo(acc, group[i]!);
  return acc;
}

/**
 * Sources usually follow each other in time (blocks, then the head) and at
 * most overlap near a boundary, where they hold the same samples. So
 * samples move in runs, with one typed-array copy per run: a run of one
 * side before the other's next sample, or a run of timestamps both hold
 * (taken from `a`).
 */
function mergeTwo(a: Series, b: Series): Series {
  const at = a.timestamps;
  const bt = b.timestamps;
  const na = at.length;
  const nb = bt.length;
  const ts = new Float64Array(na + nb);
  const vs = new Float64Array(na + nb);
  // Values move as bits so that staleness markers keep their NaN payload.
  const bits = float64Bits(vs);
  const aBits = float64Bits(a.values);
  const bBits = float64Bits(b.values);
  let n = 0;
  let i = 0;
  let j = 0;
  const copy = (src: Float64Array, srcBits: Uint32Array, from: number, to: number): void => {
    ts.set(src.subarray(from, to), n);
    bits.set(srcBits.subarray(2 * from, 2 * to), 2 * n);
    n += to - from;
  };
  while (i < na && j < nb) {
    const ta = at[i]!;
    const tb = bt[j]!;
    if (ta < tb) {
      let k = i + 1;
      while (k < na && at[k]! < tb) k++;
      copy(at, aBits, i, k);
      i = k;
    } else if (tb < ta) {
      let k = j + 1;
      while (k < nb && bt[k]! < ta) k++;
      copy(bt, bBits, j, k);
      j = k;
    } else {
      let k = 1;
      while (i + k < na && j + k < nb && at[i + k] === bt[j + k]) k++;
      copy(at, aBits, i, i + k);
      i += k;
      j += k;
    }
  }
  if (i < na) copy(at, aBits, i, na);
  if (j < nb) copy(bt, bBits, j, nb);
  return { labels: a.labels, timestamps: ts.subarray(0, n), values: vs.subarray(0, n) };
}
