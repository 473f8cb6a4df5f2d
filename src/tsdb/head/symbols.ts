/**
 * Label sets of all series packed into one growable Uint32Array as
 * (name id, value id) pairs, so a series holds just an offset and a count.
 */
import { grown } from "../../encoding/grow";
export class LabelArena {
  private data = new Uint32Array(1024);
  private used = 0;

  /** Stores 2×n ids and returns their offset. */
  add(ids: ArrayLike<number>): number {
    if (this.used + ids.length > this.data.length) this.data = grown(this.data, this.used, this.used + ids.length);
    const off = this.used;
    for (let i = 0; i < ids.length; i++) this.data[off + i] = ids[i]!;
    this.used += ids.length;
    return off;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  /** The ids themselves, for loops that compare many (valid until the next `add`). */
  get ids(): Uint32Array {
    return this.data;
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}
