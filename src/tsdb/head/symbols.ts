/**
 * Interned label strings. Each distinct name or value is stored once per
 * head and series refer to it by a small integer id, which is what keeps
 * per-series label memory near 8 bytes per label pair.
 */
export class SymbolTable {
  private readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  /** The id of `s`, or -1 when no series ever used it. */
  lookup(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  get(id: number): string {
    return this.strings[id]!;
  }

  get size(): number {
    return this.strings.length;
  }
}

/**
 * Label sets of all series packed into one growable Uint32Array as
 * (name id, value id) pairs, so a series holds just an offset and a count.
 */
export class LabelArena {
  private data = new Uint32Array(1024);
  private used = 0;

  /** Stores 2×n ids and returns their offset. */
  add(ids: ArrayLike<number>): number {
    if (this.used + ids.length > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < this.used + ids.length) cap *= 2;
      const next = new Uint32Array(cap);
      next.set(this.data.subarray(0, this.used));
      this.data = next;
    }
    const off = this.used;
    for (let i = 0; i < ids.length; i++) this.data[off + i] = ids[i]!;
    this.used += ids.length;
    return off;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}
