/**
 * The value notation of test scripts (the same as promtool's unit tests):
 * `1 2 3`, `1+2x3` (1, 3, 5, 7), `5x2` (5, 5, 5), `_` (no sample), `_x3`,
 * `stale`, and `{{...}}` native histograms (recognised, not supported).
 */
import { STALE_NAN } from "../engine/stale";

export type SequenceValue =
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "omitted" }
  | { readonly kind: "histogram"; readonly text: string };

const NUM = String.raw`[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN]|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)`;
const ITEM = new RegExp(`^(?:(_)(?:x(\\d+))?|(stale)|(${NUM})(?:([+-])(${NUM}))?(?:x(\\d+))?)$`);

/** Parses a PromQL number literal as the series notation allows it. */
export function parseNumberLiteral(s: string): number {
  const neg = s.startsWith("-");
  const body = s.replace(/^[+-]/, "");
  let v: number;
  if (/^inf(inity)?$/i.test(body)) v = Infinity;
  else if (/^nan$/i.test(body)) v = NaN;
  else if (/^0x/i.test(body)) v = parseInt(body.slice(2), 16);
  else v = Number(body);
  if (Number.isNaN(v) && !/^nan$/i.test(body)) throw new Error(`invalid number ${JSON.stringify(s)}`);
  return neg ? -v : v;
}

/** Splits a values string into items, keeping `{{ ... }}` histograms whole. */
function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    if (s.startsWith("{{", i)) {
      const end = s.indexOf("}}", i);
      if (end < 0) throw new Error("unterminated histogram");
      let j = end + 2;
      // Histogram increments: {{...}}+{{...}}x3
      while (j < s.length && !/\s/.test(s[j]!)) {
        if (s.startsWith("{{", j)) j = s.indexOf("}}", j) + 2;
        else j++;
      }
      out.push(s.slice(i, j));
      i = j;
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j]!)) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

export function parseSequence(s: string): SequenceValue[] {
  const out: SequenceValue[] = [];
  for (const item of tokenize(s)) {
    if (item.startsWith("{{")) {
      const m = /x(\d+)$/.exec(item);
      const n = m && !item.endsWith("}}") ? Number(m[1]) + 1 : 1;
      for (let i = 0; i < n; i++) out.push({ kind: "histogram", text: item });
      continue;
    }
    const m = ITEM.exec(item);
    if (!m) throw new Error(`invalid series value ${JSON.stringify(item)}`);
    if (m[1]) {
      const n = m[2] === undefined ? 1 : Number(m[2]);
      for (let i = 0; i < n; i++) out.push({ kind: "omitted" });
    } else if (m[3]) {
      out.push({ kind: "float", value: STALE_NAN });
    } else {
      let v = parseNumberLiteral(m[4]!);
      if (m[7] === undefined) {
        if (m[5] !== undefined) throw new Error(`invalid series value ${JSON.stringify(item)}: an increment needs a count`);
        out.push({ kind: "float", value: v });
        continue;
      }
      const inc = m[5] === undefined ? 0 : (m[5] === "-" ? -1 : 1) * parseNumberLiteral(m[6]!);
      // `a+bxn` is n+1 values: the start and n increments.
      for (let i = 0; i <= Number(m[7]); i++) {
        out.push({ kind: "float", value: v });
        v += inc;
      }
    }
  }
  return out;
}

/** Splits a series line into its metric text and its values text. */
export function splitSeriesLine(line: string): [metric: string, values: string] {
  let i = 0;
  while (i < line.length && !/[\s{]/.test(line[i]!)) i++;
  if (line[i] === "{") {
    let quote: string | null = null;
    for (i++; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === "\\") i++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'" || c === "`") quote = c;
      else if (c === "}") {
        i++;
        break;
      }
    }
  }
  return [line.slice(0, i), line.slice(i).trim()];
}

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Prometheus's model.ParseDuration, in ms ("0" allowed). */
export function parseTestDuration(s: string): number {
  if (s === "0") return 0;
  const m = DURATION.exec(s);
  if (!m || s === "") throw new Error(`not a valid duration string: ${JSON.stringify(s)}`);
  const units = [365 * 86400_000, 7 * 86400_000, 86400_000, 3600_000, 60_000, 1000, 1];
  let ms = 0;
  units.forEach((u, i) => {
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * u;
  });
  return ms;
}
