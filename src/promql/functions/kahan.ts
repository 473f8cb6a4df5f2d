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
 * Adds `inc` to the running sum in `state` ([sum, c]) in place.
 *
 * Once the sum overflows to ±Inf the compensation is meaningless (it would be
 * NaN after Inf - Inf), so it is reset to zero and the infinite sum stands.
 */
export function kahanSumInc(inc: number, state: KahanState): void {
  const sum = state[0]!;
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) {
    state[1] = 0;
  } else if (Math.abs(sum) >= Math.abs(inc)) {
    state[1]! += sum - t + inc;
  } else {
    state[1]! += inc - t + sum;
  }
  state[0] = t;
}

/** The compensated total of a Kahan state. */
export function kahanTotal(state: KahanState): number {
  return state[0]! + state[1]!;
}
