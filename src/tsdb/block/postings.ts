/**
 * Set operations on postings lists: sorted, duplicate-free Uint32Arrays of
 * series references.
 */

export const EMPTY_POSTINGS = new Uint32Array(0);

export function intersectPostings(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) [a, b] = [b, a];
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const v = a[i]!;
    // Gallop through the longer list: much faster when sizes differ a lot.
    if (b[j]! < v) {
      let step = 1;
      let hi = j + 1;
      while (hi < b.length && b[hi]! < v) {
        j = hi;
        step *= 2;
        hi = j + step;
      }
      if (hi > b.length) hi = b.length;
      let lo = j + 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      j = lo;
    }
    if (j < b.length && b[j] === v) out[n++] = v;
  }
  return out.subarray(0, n);
}

/** Elements of `a` not in `b`. */
export function subtractPostings(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (b.length === 0 || a.length === 0) return a;
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    while (j < b.length && b[j]! < v) j++;
    if (j < b.length && b[j] === v) continue;
    out[n++] = v;
  }
  return out.subarray(0, n);
}

export function unionPostings(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY_POSTINGS;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Uint32Array(total);
  let at = 0;
  for (const l of lists) {
    all.set(l, at);
    at += l.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (n === 0 || all[n - 1] !== all[i]) all[n++] = all[i]!;
  return all.subarray(0, n);
}
