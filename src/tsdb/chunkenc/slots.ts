/**
 * Fixed-size byte slots carved from shared pages, for the head's open
 * chunks.
 *
 * An open chunk in a buffer of its own costs an ArrayBuffer, its typed
 * array and the engine's bookkeeping for both (over 100 bytes, more than
 * half a typical chunk), and growing it by doubling makes two or three of
 * them per chunk, each garbage once outgrown. Slots cost none of that: a
 * chunk's bytes sit in a slot of the smallest size class that holds them,
 * growing into the next class by a copy within the pages, and a series
 * keeps its slot from one chunk to the next, so a head in steady state
 * allocates nothing for its open chunks.
 *
 * Classes step by about 1.5×, so a slot wastes a third of itself at most.
 * Freed slots go on their class's free list and are handed out again first;
 * a page whose slots are all free is dropped (a burst of new series grows
 * through the small classes once and leaves their pages empty behind it).
 * A slot's bytes are not cleared on reuse; the bit writer assigns every
 * byte before it ORs bits into it.
 */

/** Slot sizes in bytes. A 120-sample XOR chunk is ~150-250 bytes; the largest fits any 120 samples. */
export const SLOT_SIZES: readonly number[] = [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048];

const PAGE_BYTES = 32 * 1024;

/** Where a BitWriter keeps its bytes when they live in a shared page. */
export interface SlotAllocator {
  /**
   * Reserves a slot of at least `minBytes`; its page and offset are then
   * `page` and `offset`. Returns the slot's size, or 0 when `minBytes` is
   * over the largest class (the caller keeps a buffer of its own).
   */
  alloc(minBytes: number): number;
  readonly page: Uint8Array;
  readonly offset: number;
  /** Gives a slot back; `size` is what alloc returned for it. */
  free(page: Uint8Array, offset: number, size: number): void;
}

/** A page's class and how many of its slots are handed out. */
interface PageUse {
  readonly cls: number;
  inUse: number;
}

export class SlotPages implements SlotAllocator {
  page: Uint8Array = new Uint8Array(0);
  offset = 0;
  /** Per class: the page being carved and how far. */
  private readonly current: Uint8Array[] = SLOT_SIZES.map(() => new Uint8Array(0));
  private readonly carved: number[] = SLOT_SIZES.map(() => 0);
  /** Per class: freed slots, as parallel stacks of pages and offsets. */
  private readonly freePages: Uint8Array[][] = SLOT_SIZES.map(() => []);
  private readonly freeOffsets: number[][] = SLOT_SIZES.map(() => []);
  private readonly uses = new Map<Uint8Array, PageUse>();
  private slotsInUse = 0;

  alloc(minBytes: number): number {
    const c = classOf(minBytes);
    if (c < 0) return 0;
    const size = SLOT_SIZES[c]!;
    this.slotsInUse++;
    const offsets = this.freeOffsets[c]!;
    if (offsets.length > 0) {
      this.offset = offsets.pop()!;
      this.page = this.freePages[c]!.pop()!;
      this.uses.get(this.page)!.inUse++;
      return size;
    }
    let page = this.current[c]!;
    let at = this.carved[c]!;
    if (at + size > page.length) {
      const done = this.uses.get(page);
      if (done !== undefined && done.inUse === 0) this.dropPage(c, page);
      page = new Uint8Array(PAGE_BYTES);
      this.current[c] = page;
      this.uses.set(page, { cls: c, inUse: 0 });
      at = 0;
    }
    this.carved[c] = at + size;
    this.uses.get(page)!.inUse++;
    this.page = page;
    this.offset = at;
    return size;
  }

  free(page: Uint8Array, offset: number, size: number): void {
    const use = this.uses.get(page);
    if (use === undefined || SLOT_SIZES[use.cls] !== size) throw new RangeError(`no slot of ${size} bytes in this page`);
    this.slotsInUse--;
    use.inUse--;
    // A page none of whose slots is in use goes back to the engine, unless it is still being carved.
    if (use.inUse === 0 && page !== this.current[use.cls]) {
      this.dropPage(use.cls, page);
      return;
    }
    this.freePages[use.cls]!.push(page);
    this.freeOffsets[use.cls]!.push(offset);
  }

  /** Bytes reserved in pages, and slots handed out and not freed. */
  stats(): { readonly pageBytes: number; readonly slotsInUse: number } {
    return { pageBytes: this.uses.size * PAGE_BYTES, slotsInUse: this.slotsInUse };
  }

  /** Forgets a page and its free slots. Rare (all of a page's slots freed), so a pass over its class's list is fine. */
  private dropPage(c: number, page: Uint8Array): void {
    this.uses.delete(page);
    const pages = this.freePages[c]!;
    const offsets = this.freeOffsets[c]!;
    let k = 0;
    for (let i = 0; i < pages.length; i++) {
      if (pages[i] === page) continue;
      pages[k] = pages[i]!;
      offsets[k++] = offsets[i]!;
    }
    pages.length = k;
    offsets.length = k;
  }
}

/** Index of the smallest class of at least `bytes`, or -1. */
function classOf(bytes: number): number {
  for (let c = 0; c < SLOT_SIZES.length; c++) if (SLOT_SIZES[c]! >= bytes) return c;
  return -1;
}
