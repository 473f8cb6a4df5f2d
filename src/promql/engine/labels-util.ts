/** Label-set helpers the evaluator needs beyond the shared model. */
import { METRIC_NAME, type Label, type Labels } from "../../model/labels";

/** Labels Prometheus drops with the metric name (name plus type/unit metadata). */
const METADATA_LABELS: ReadonlySet<string> = new Set([METRIC_NAME, "__type__", "__unit__"]);

export function dropMetricName(labels: Labels): Labels {
  for (const l of labels) if (METADATA_LABELS.has(l.name)) return labels.filter((x) => !METADATA_LABELS.has(x.name));
  return labels;
}

/** Prometheus's `labels.String()`: `{a="1", b="2"}`, the name being an ordinary label. */
export function labelsString(labels: Labels): string {
  return "{" + labels.map((l) => `${formatLabelName(l.name)}=${goQuote(l.value)}`).join(", ") + "}";
}

function formatLabelName(name: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) ? name : goQuote(name);
}

/** Go's strconv.Quote for the common cases (printable text, escapes for quotes, backslashes and controls). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** Keeps (`on`) or removes (`ignoring`, which also ignores the name) the given labels. */
export function matchLabels(labels: Labels, on: boolean, names: readonly string[]): Labels {
  if (on) return labels.filter((l) => names.includes(l.name));
  return labels.filter((l) => l.name !== METRIC_NAME && !names.includes(l.name));
}

/** A map key for the labels selected as by `matchLabels`. */
export function signature(labels: Labels, on: boolean, names: readonly string[]): string {
  let s = "";
  for (const l of labels) {
    const keep = on ? names.includes(l.name) : l.name !== METRIC_NAME && !names.includes(l.name);
    if (keep) s += l.name + "\xff" + l.value + "\xff";
  }
  return s;
}

/** Builder-style edit: set or (empty value) delete one label. */
export function withLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = labels.filter((l) => l.name !== name);
  if (value !== "") {
    out.push({ name, value });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return out;
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that
 * round-trips, never in exponent form.
 */
export function formatFloatPlain(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  const s = String(f);
  const e = s.indexOf("e");
  if (e < 0) return s;
  const neg = s.startsWith("-");
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf(".");
  const digits = mant.replace(".", "");
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = "0." + "0".repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + "0".repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + "." + digits.slice(intLen);
  return (neg ? "-" : "") + out;
}

/**
 * Prometheus 3 accepts any non-empty UTF-8 label name; lone surrogates are
 * what a JS string can hold that UTF-8 cannot.
 */
export function isValidLabelName(name: string): boolean {
  return name !== "" && !/\p{Cs}/u.test(name);
}
