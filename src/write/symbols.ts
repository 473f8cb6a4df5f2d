/**
 * The strings of one remote_write request, with each series' labels given
 * as references into them. RW 2.0 sends exactly this (its symbols table and
 * `labels_refs`); the RW 1.0 decoder builds it while interning strings.
 * Series stay in this form through validation and packing: no label objects
 * are made for them (they were the write path's main garbage), validation
 * checks each distinct string once, and the distributor hashes and packs a
 * series with one step per label string rather than one per character.
 */
import { grown } from "../encoding/grow";
import type { Label, Labels } from "../model/labels";

export class RequestSymbols {
  readonly strings: string[];
  /** Built on first use: only series whose labels were changed after decoding need it. */
  private ids: Map<string, number> | null = null;

  constructor(strings: string[] = []) {
    this.strings = strings;
  }

  /** Appends `s` and returns its reference; a string may be in the table more than once. */
  add(s: string): number {
    const ref = this.strings.length;
    this.strings.push(s);
    if (this.ids !== null && !this.ids.has(s)) this.ids.set(s, ref);
    return ref;
  }

  /** The reference of `s`, added when missing. */
  refOf(s: string): number {
    if (this.ids === null) {
      this.ids = new Map();
      for (let i = this.strings.length - 1; i >= 0; i--) this.ids.set(this.strings[i]!, i);
    }
    return this.ids.get(s) ?? this.add(s);
  }

  /** Writes the references of `labels` into `out` from `at`; returns where they end. */
  writeRefs(labels: Labels, out: Uint32Array, at: number): number {
    for (let i = 0; i < labels.length; i++) {
      out[at++] = this.refOf(labels[i]!.name);
      out[at++] = this.refOf(labels[i]!.value);
    }
    return at;
  }

  /** The labels `refs` spell, as objects: for the paths that need them (messages, HA, rare fixes). */
  labelsOf(refs: Uint32Array): Label[] {
    const labels = new Array<Label>(refs.length >>> 1);
    for (let i = 0; i < labels.length; i++) {
      labels[i] = { name: this.strings[refs[2 * i]!]!, value: this.strings[refs[2 * i + 1]!]! };
    }
    return labels;
  }

  /**
   * Removes the labels named `name` from the pairs refs[start, end), in
   * place, and returns where the remaining pairs end.
   */
  dropLabel(refs: Uint32Array, start: number, end: number, name: string): number {
    let k = start;
    for (let i = start; i < end; i += 2) {
      if (this.strings[refs[i]!] === name) continue;
      refs[k++] = refs[i]!;
      refs[k++] = refs[i + 1]!;
    }
    return k;
  }
}

/** A growable column of label references; a series holds the positions of its part. */
export class LabelRefBuffer {
  private data: Uint32Array;
  private used = 0;

  /** `take` supplies the first array (e.g. a reused one, see scratch.ts). */
  constructor(capacity: number, take?: (n: number) => Uint32Array) {
    const n = Math.max(16, capacity);
    this.data = take === undefined ? new Uint32Array(n) : take(n);
  }

  get length(): number {
    return this.used;
  }

  /** Truncates, or commits references written into `reserve`'s array. */
  set length(n: number) {
    this.used = n;
  }

  /** The column with room for `extra` more references after `length`, for writing in place. */
  reserve(extra: number): Uint32Array {
    if (this.used + extra > this.data.length) this.data = grown(this.data, this.used, this.used + extra);
    return this.data;
  }

  push(ref: number): void {
    this.reserve(1)[this.used++] = ref;
  }

  /**
   * The references from `start` to now, as a view (for error paths and
   * exemplars). A later growth copies the column, but the view keeps the
   * old buffer, which already holds its part whole.
   */
  from(start: number): Uint32Array {
    return this.data.subarray(start, this.used);
  }

  /** The whole column (positions past `length` are unused); valid until the next growth. */
  get column(): Uint32Array {
    return this.data;
  }
}
