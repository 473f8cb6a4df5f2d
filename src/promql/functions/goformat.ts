/**
 * Number formatting that matches Go's fmt verbs, because PromQL's warning
 * and error texts are built with them and clients match on the exact text.
 */

/** Go's `%g` (shortest form) or `%.<precision>g`. */
export function formatG(v: number, precision?: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = precision === undefined;
  const prec = shortest ? 0 : Math.max(1, precision);

  // Decimal digits (no trailing zeros) and the decimal point position,
  // i.e. abs = 0.d1d2d3… × 10^dp.
  const expForm = shortest ? abs.toExponential() : abs.toExponential(prec - 1);
  const [mantissa, expStr] = expForm.split("e") as [string, string];
  let digits = mantissa.replace(".", "").replace(/0+$/, "");
  if (digits === "") digits = "0";
  const dp = abs === 0 ? 1 : Number(expStr) + 1;
  const nd = digits.length;

  let eprec = shortest ? 6 : prec;
  if (!shortest && eprec > nd && nd >= dp) eprec = nd;
  const exp = dp - 1;
  let out: string;
  if (abs !== 0 && (exp < -4 || exp >= eprec)) {
    const frac = digits.slice(1);
    const e = Math.abs(exp);
    out = digits[0] + (frac ? "." + frac : "") + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" + e : String(e));
  } else if (abs === 0) {
    out = "0";
  } else if (dp <= 0) {
    out = "0." + "0".repeat(-dp) + digits;
  } else if (dp >= nd) {
    out = digits + "0".repeat(dp - nd);
  } else {
    out = digits.slice(0, dp) + "." + digits.slice(dp);
  }
  return neg ? "-" + out : out;
}

/** Go's `%f`: six decimals, Inf spelled `+Inf`/`-Inf`. */
export function formatF(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  // toFixed switches to exponent notation from 1e21 on; such doubles are
  // integers, so BigInt spells them out exactly as Go does.
  const body = Math.abs(v) >= 1e21 ? BigInt(Math.abs(v)).toString() + ".000000" : Math.abs(v).toFixed(6);
  return v < 0 || Object.is(v, -0) ? "-" + body : body;
}
