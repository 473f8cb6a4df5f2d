/**
 * Compensated (Kahan–Babuška/Neumaier) summation, the way PromQL sums floats
 * so that long windows of similar values do not drift.
 *
 * The running state is a (sum, compensation) pair; the caller adds the
 * compensation to the sum once at the end. To stay allocation-free on hot
 * paths the pair is returned through a reusable two-slot array.
 */

/** Scratch state for {@link kahanSumInc}: [sum, compensation]. */
export type KahanState = Float64Array;

export function newKahanState(): KahanState {
  return new Float64Array(2);
}

/**
 * The compensation after adding `inc` to `sum` (the sum becomes sum + inc),
 * given the compensation `c` so far. Once the sum overflows to ±Inf the
 * compensation is meaningless (it would be NaN after Inf - Inf), so it is
 * reset to zero and the infinite sum stands.
 */
export function kahanStep(sum: number, inc: number, c: number): number {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) return 0;
  return Math.abs(sum) >= Math.abs(inc) ? c + (sum - t + inc) : c + (inc - t + sum);
}

/** Adds `inc` to the running sum in `state` ([sum, c]) in place. */
export function kahanSumInc(inc: number, state: KahanState): void {
  state[1] = kahanStep(state[0]!, inc, state[1]!);
  state[0]! += inc;
}

/** The compensated total of a Kahan state. */
export function kahanTotal(state: KahanState): number {
  return state[0]! + state[1]!;
}
