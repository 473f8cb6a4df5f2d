/**
 * Label sets, the identity of a series. A `Labels` value is always sorted by
 * name with unique names (the invariant Prometheus's `labels.Labels` keeps),
 * so two equal label sets compare equal element by element.
 */
export interface Label {
  readonly name: string;
  readonly value: string;
}

export type Labels = readonly Label[];

export const METRIC_NAME = "__name__";

const SEP = "\xff";

/** Builds a sorted label set from a plain record; empty values are dropped. */
export function labelsFromRecord(record: Record<string, string>): Labels {
  const out: Label[] = [];
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (value !== "") out.push({ name, value });
  }
  return out.sort(compareLabel);
}

export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

export function getLabel(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return "";
}

function compareLabel(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Sorts in place and returns the same array; for builders that push unsorted. */
export function sortLabels(labels: Label[]): Label[] {
  return labels.sort(compareLabel);
}

/**
 * A string that is equal for equal label sets and different otherwise
 * (0xff never occurs in valid UTF-8), for use as a Map key.
 */
export function labelsKey(labels: Labels): string {
  let s = "";
  for (const l of labels) s += l.name + SEP + l.value + SEP;
  return s;
}

/** Orders label sets the way Prometheus's `labels.Compare` does. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  }
  return true;
}

/** Removes the named labels. */
export function withoutLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => !names.has(l.name));
}

/** Keeps only the named labels. */
export function onlyLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => names.has(l.name));
}

/** Sets (or, with an empty value, removes) one label, keeping the order. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of labels) {
    if (!done && l.name >= name) {
      if (value !== "") out.push({ name, value });
      done = true;
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== "") out.push({ name, value });
  return out;
}

/**
 * A 32-bit hash of the label pairs, stable across processes: it decides
 * which ingester shard owns a series. Each string is hashed alone (FNV-1a,
 * `hashString`) and the string hashes are folded in order (`foldHash`), so
 * a writer that sees each distinct string of a request once — a remote_write
 * symbol table — hashes a series with one step per string instead of one
 * per character. Changing it moves series between shards (queries read
 * every shard, so nothing is lost, but each series' head is split in two).
 */
export function hashLabels(labels: Labels): number {
  let h = LABELS_HASH_SEED;
  for (const l of labels) {
    h = foldHash(h, hashString(l.name));
    h = foldHash(h, hashString(l.value));
  }
  return h >>> 0;
}

export const LABELS_HASH_SEED = 0x811c9dc5;

/** FNV-1a over a string's UTF-16 code units, low byte first (the high byte only when set). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 0x01000193);
    if (c > 0xff) h = Math.imul(h ^ (c >>> 8), 0x01000193);
  }
  return h;
}

/** Folds one string hash into a labels hash; a multiply and a shift so that every bit reaches the low ones the shard is taken from. */
export function foldHash(h: number, x: number): number {
  h = Math.imul(h ^ x, FOLD_MULTIPLIER);
  return h ^ (h >>> 15);
}

export const FOLD_MULTIPLIER = 0x5bd1e995;

/** `{a="1", b="2"}` in Prometheus's text form, for messages. */
export function formatLabels(labels: Labels): string {
  const name = getLabel(labels, METRIC_NAME);
  const rest = labels
    .filter((l) => l.name !== METRIC_NAME)
    .map((l) => `${l.name}=${JSON.stringify(l.value)}`)
    .join(", ");
  return `${name}{${rest}}`;
}
