/**
 * The strings of one remote_write request, with each series' labels given
 * as references into them. RW 2.0 sends exactly this (its symbols table and
 * `labels_refs`); the RW 1.0 decoder builds it while interning strings. The
 * distributor then hashes and packs a series with one step per label string
 * rather than one per character, and ingesters compare a known series by
 * symbol ids.
 */
import type { Labels } from "../model/labels";

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

  /** References for `labels` as (name, value) pairs. */
  refsOf(labels: Labels): Uint32Array {
    const refs = new Uint32Array(labels.length * 2);
    for (let i = 0; i < labels.length; i++) {
      refs[2 * i] = this.refOf(labels[i]!.name);
      refs[2 * i + 1] = this.refOf(labels[i]!.value);
    }
    return refs;
  }

  /**
   * Whether `refs` spell exactly `labels`. Decoded labels hold the table's
   * own string objects, so this is a pointer comparison per string unless
   * something (sorting, HA replica removal) changed the labels since.
   */
  spells(refs: Uint32Array, labels: Labels): boolean {
    if (refs.length !== labels.length * 2) return false;
    const strings = this.strings;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (strings[refs[2 * i]!] !== l.name || strings[refs[2 * i + 1]!] !== l.value) return false;
    }
    return true;
  }
}

/** A growable column of label references; series take views of their part. */
export class LabelRefBuffer {
  private data: Uint32Array;
  private used = 0;

  constructor(capacity: number) {
    this.data = new Uint32Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.used;
  }

  push(ref: number): void {
    if (this.used === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.used++] = ref;
  }

  /**
   * The references from `start` to now. A later growth copies the column,
   * but the view keeps the old buffer, which already holds its part whole.
   */
  from(start: number): Uint32Array {
    return this.data.subarray(start, this.used);
  }
}
