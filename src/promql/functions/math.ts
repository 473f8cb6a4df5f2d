/**
 * Element-wise float functions (`abs(v)`, `round(v, 0.5)`, …). Each maps one
 * sample value; `params` are the function's extra scalar arguments in call
 * order. `pi()` takes no vector and is left to the engine.
 */

export type MathFunction = (v: number, params: readonly number[]) => number;

function sgn(v: number): number {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v; // keeps NaN, +0 and -0 as they are
}

/**
 * Rounds half up to a multiple of `toNearest`. Dividing by the inverse
 * (rather than multiplying by toNearest) is what Prometheus does and keeps
 * results like round(x, 0.1) free of binary noise in more cases.
 */
function round(v: number, params: readonly number[]): number {
  const toNearest = params[0] ?? 1;
  const inverse = 1 / toNearest;
  return Math.floor(v * inverse + 0.5) / inverse;
}

/**
 * clamp(v, min, max). With max < min Prometheus returns no series at all;
 * a per-sample function cannot express that, so callers check
 * {@link mathFunctionDropsAll} first and NaN is only a fallback.
 */
function clamp(v: number, params: readonly number[]): number {
  const min = params[0]!;
  const max = params[1]!;
  if (max < min) return NaN;
  return Math.max(min, Math.min(max, v));
}

export const MATH_FUNCTIONS: ReadonlyMap<string, MathFunction> = new Map<string, MathFunction>([
  ["abs", (v) => Math.abs(v)],
  ["ceil", (v) => Math.ceil(v)],
  ["floor", (v) => Math.floor(v)],
  ["exp", (v) => Math.exp(v)],
  ["ln", (v) => Math.log(v)],
  ["log2", (v) => Math.log2(v)],
  ["log10", (v) => Math.log10(v)],
  ["sqrt", (v) => Math.sqrt(v)],
  ["sgn", sgn],
  ["round", round],
  ["clamp", clamp],
  ["clamp_min", (v, p) => Math.max(p[0]!, v)],
  ["clamp_max", (v, p) => Math.min(p[0]!, v)],
  ["sin", (v) => Math.sin(v)],
  ["cos", (v) => Math.cos(v)],
  ["tan", (v) => Math.tan(v)],
  ["asin", (v) => Math.asin(v)],
  ["acos", (v) => Math.acos(v)],
  ["atan", (v) => Math.atan(v)],
  ["sinh", (v) => Math.sinh(v)],
  ["cosh", (v) => Math.cosh(v)],
  ["tanh", (v) => Math.tanh(v)],
  ["asinh", (v) => Math.asinh(v)],
  ["acosh", (v) => Math.acosh(v)],
  ["atanh", (v) => Math.atanh(v)],
  ["deg", (v) => (v * 180) / Math.PI],
  ["rad", (v) => (v * Math.PI) / 180],
]);

/**
 * True when the call yields an empty vector regardless of input:
 * `clamp` with max < min. (A NaN bound is not "less than", so clamp with a
 * NaN bound returns NaN samples instead, as in Prometheus.)
 */
export function mathFunctionDropsAll(name: string, params: readonly number[]): boolean {
  return name === "clamp" && params[1]! < params[0]!;
}
