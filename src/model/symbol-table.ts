/**
 * Interned strings: each distinct string gets a small integer id, in order
 * of first use. Heads keep label strings this way (8 bytes per label pair),
 * and the encoders of symbol-table formats (index, select answers, RW 2.0)
 * build their tables with it.
 */
export class SymbolTable {
  private readonly list: string[] = [];
  private readonly ids = new Map<string, number>();

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  /** The id of `s`, or -1 when it was never interned. */
  lookup(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  get(id: number): string {
    return this.list[id]!;
  }

  get size(): number {
    return this.list.length;
  }

  /** Every string, indexed by id. */
  get strings(): readonly string[] {
    return this.list;
  }
}
