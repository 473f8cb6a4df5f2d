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
 * Freed slots are handed out again first, those of the oldest pages before
 * the others, and a series moves to an older page's free slot when its
 * chunk is cut; a page whose slots are all free is dropped. So the pages a
 * burst of new series grew through are given back even when a few series
 * stay in their small classes.
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
  /**
   * For a slot whose bytes are no longer needed: when a free slot of its
   * class sits in an older page, takes that one instead (then `page` and
   * `offset`) and frees this one. Returns true when it moved.
   */
  relocate(page: Uint8Array, offset: number, size: number): boolean;
}

/** A live page's class and its index among the class's pages. */
interface PageOwner {
  readonly cls: number;
  readonly index: number;
}

/**
 * The pages of one size class. Free slots are handed out oldest page
 * first (a min-heap of slot numbers, page index × slots per page + slot),
 * so that the newest pages drain and get dropped: series of one target
 * grow through the classes in step, and the few that stay in a small class
 * would otherwise keep every page of it alive, one slot each.
 */
class SlotClass {
  readonly size: number;
  private readonly cls: number;
  /** Shared by all classes: every live page's class and index there. */
  private readonly owners: Map<Uint8Array, PageOwner>;
  private readonly perPage: number;
  /** By page index; undefined once dropped. Indexes are never reused. */
  private readonly pages: (Uint8Array | undefined)[] = [];
  private readonly inUse: number[] = [];
  /** Free slot numbers; entries of dropped pages are skipped when met. */
  private heap: number[] = [];
  private stale = 0;
  /** The page being carved, and how far. */
  private current = -1;
  private carved = 0;

  constructor(cls: number, owners: Map<Uint8Array, PageOwner>) {
    this.cls = cls;
    this.size = SLOT_SIZES[cls]!;
    this.owners = owners;
    this.perPage = Math.floor(PAGE_BYTES / this.size);
  }

  /** A free slot's number: the oldest free one, else a newly carved one. */
  take(): number {
    const free = this.popFree();
    if (free >= 0) {
      this.inUse[Math.floor(free / this.perPage)]!++;
      return free;
    }
    if (this.current < 0 || this.carved >= this.perPage) {
      const done = this.current;
      if (done >= 0 && this.inUse[done] === 0) this.drop(done);
      const page = new Uint8Array(PAGE_BYTES);
      this.current = this.pages.length;
      this.pages.push(page);
      this.inUse.push(0);
      this.carved = 0;
      this.owners.set(page, { cls: this.cls, index: this.current });
    }
    this.inUse[this.current]!++;
    return this.current * this.perPage + this.carved++;
  }

  /** Gives slot `n` back; drops its page when none of its slots is in use and it is not being carved. */
  give(n: number): void {
    const p = Math.floor(n / this.perPage);
    if (--this.inUse[p]! === 0 && p !== this.current) {
      this.drop(p);
      return;
    }
    heapPush(this.heap, n);
  }

  /** The oldest free slot if it is in a page older than slot `n`'s, taken; else -1. */
  takeOlderThan(n: number): number {
    const page = Math.floor(n / this.perPage);
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      const p = Math.floor(top / this.perPage);
      if (this.pages[p] === undefined) {
        heapPop(this.heap);
        this.stale--;
        continue;
      }
      if (p >= page) return -1;
      heapPop(this.heap);
      this.inUse[p]!++;
      return top;
    }
    return -1;
  }

  pageOf(n: number): Uint8Array {
    return this.pages[Math.floor(n / this.perPage)]!;
  }

  offsetOf(n: number): number {
    return (n % this.perPage) * this.size;
  }

  slotAt(pageIndex: number, offset: number): number {
    return pageIndex * this.perPage + offset / this.size;
  }

  private popFree(): number {
    while (this.heap.length > 0) {
      const n = heapPop(this.heap);
      if (this.pages[Math.floor(n / this.perPage)] !== undefined) return n;
      this.stale--;
    }
    return -1;
  }

  private drop(p: number): void {
    this.owners.delete(this.pages[p]!);
    this.pages[p] = undefined;
    // The page's free slots stay in the heap until met; rebuild it once they are most of it.
    this.stale += this.perPage - 1;
    if (this.stale * 2 > this.heap.length && this.heap.length > 64) {
      const live = this.heap.filter((n) => this.pages[Math.floor(n / this.perPage)] !== undefined);
      this.heap = [];
      for (const n of live) heapPush(this.heap, n);
      this.stale = 0;
    }
  }
}

export class SlotPages implements SlotAllocator {
  page: Uint8Array = new Uint8Array(0);
  offset = 0;
  private readonly owners = new Map<Uint8Array, PageOwner>();
  private readonly classes: SlotClass[] = SLOT_SIZES.map((_, c) => new SlotClass(c, this.owners));
  private slotsInUse = 0;

  alloc(minBytes: number): number {
    const c = classOf(minBytes);
    if (c < 0) return 0;
    const k = this.classes[c]!;
    const n = k.take();
    this.slotsInUse++;
    this.page = k.pageOf(n);
    this.offset = k.offsetOf(n);
    return k.size;
  }

  free(page: Uint8Array, offset: number, size: number): void {
    const { k, n } = this.slot(page, offset, size);
    this.slotsInUse--;
    k.give(n);
  }

  relocate(page: Uint8Array, offset: number, size: number): boolean {
    const { k, n } = this.slot(page, offset, size);
    const to = k.takeOlderThan(n);
    if (to < 0) return false;
    k.give(n);
    this.page = k.pageOf(to);
    this.offset = k.offsetOf(to);
    return true;
  }

  /** Bytes reserved in pages, and slots handed out and not freed. */
  stats(): { readonly pageBytes: number; readonly slotsInUse: number } {
    return { pageBytes: this.owners.size * PAGE_BYTES, slotsInUse: this.slotsInUse };
  }

  private slot(page: Uint8Array, offset: number, size: number): { k: SlotClass; n: number } {
    const owner = this.owners.get(page);
    if (owner === undefined || SLOT_SIZES[owner.cls] !== size) throw new RangeError(`no slot of ${size} bytes in this page`);
    const k = this.classes[owner.cls]!;
    return { k, n: k.slotAt(owner.index, offset) };
  }
}

/** Index of the smallest class of at least `bytes`, or -1. */
function classOf(bytes: number): number {
  for (let c = 0; c < SLOT_SIZES.length; c++) if (SLOT_SIZES[c]! >= bytes) return c;
  return -1;
}

function heapPush(h: number[], x: number): void {
  let i = h.length;
  h.push(x);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (h[parent]! <= x) break;
    h[i] = h[parent]!;
    i = parent;
  }
  h[i] = x;
}

function heapPop(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && h[child + 1]! < h[child]!) child++;
    if (h[child]! >= last) break;
    h[i] = h[child]!;
    i = child;
  }
  h[i] = last;
  return top;
}
