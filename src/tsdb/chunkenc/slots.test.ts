import { describe, expect, it } from "vitest";
import { SLOT_SIZES, SlotPages } from "./slots";
import { XORAppender, XORIterator } from "./xor";

/** A series-like sample stream: counters with jitter, or random floats that compress badly. */
function sampleAt(series: number, i: number, noisy: boolean): { t: number; hi: number; lo: number } {
  const t = 1_700_000_000_000 + i * 15_000 + (noisy ? (i * 7919 + series) % 37 : 0);
  const v = noisy ? Math.sin(series * 1000 + i) * 1e6 : series * 10 + Math.floor(i / 3);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  return { t, hi: dv.getUint32(0), lo: dv.getUint32(4) };
}

function fill(app: XORAppender, series: number, from: number, to: number, noisy: boolean): void {
  for (let i = from; i < to; i++) {
    const s = sampleAt(series, i, noisy);
    app.appendBits(s.t, s.hi, s.lo);
  }
}

/** `n` slots of 48 bytes (682 per page), in the order handed out. */
function take48(pages: SlotPages, n: number): { page: Uint8Array; offset: number }[] {
  const slots: { page: Uint8Array; offset: number }[] = [];
  for (let i = 0; i < n; i++) {
    pages.alloc(48);
    slots.push({ page: pages.page, offset: pages.offset });
  }
  return slots;
}

describe("slot pages", () => {
  it("hands out the smallest class that fits, carving pages and reusing freed slots first", () => {
    const pages = new SlotPages();
    expect(pages.alloc(1)).toBe(32);
    const first = { page: pages.page, offset: pages.offset };
    expect(pages.alloc(33)).toBe(48);
    expect(pages.alloc(100)).toBe(128);
    expect(pages.alloc(2048)).toBe(2048);
    expect(pages.alloc(2049)).toBe(0);
    expect(pages.stats().slotsInUse).toBe(4);
    // The second 32-byte slot follows the first in its page.
    expect(pages.alloc(32)).toBe(32);
    expect(pages.page).toBe(first.page);
    expect(pages.offset).toBe(first.offset + 32);
    pages.free(first.page, first.offset, 32);
    expect(pages.alloc(20)).toBe(32);
    expect(pages.offset).toBe(first.offset);
    expect(pages.stats().slotsInUse).toBe(5);
    expect(() => pages.free(first.page, first.offset, 40)).toThrow(/no slot of 40 bytes/);
  });

  it("drops a page once none of its slots is in use, unless it is still being carved", () => {
    const pages = new SlotPages();
    // 32 KiB pages hold 682 slots of 48 bytes: three pages, the last one being carved.
    const slots = take48(pages, 1500);
    expect(pages.stats().pageBytes).toBe(3 * 32 * 1024);
    for (const s of slots.slice(0, 682)) pages.free(s.page, s.offset, 48);
    expect(pages.stats().pageBytes).toBe(2 * 32 * 1024);
    for (const s of slots.slice(682)) pages.free(s.page, s.offset, 48);
    expect(pages.stats()).toEqual({ pageBytes: 32 * 1024, slotsInUse: 0 });
    // The dropped pages' slots are no longer handed out; the carved page's are.
    const first = slots[0]!.page;
    const second = slots[682]!.page;
    let reused = 0;
    for (let i = 0; i < 700; i++) {
      pages.alloc(48);
      if (pages.page === first || pages.page === second) reused++;
    }
    expect(reused).toBe(0);
  });

  it("hands out the oldest page's free slots first, so newer pages drain", () => {
    const pages = new SlotPages();
    // 682 slots of 48 bytes per page: three pages.
    const slots = take48(pages, 1500);
    // Free slots in the newest full page, then in the oldest: the oldest's are taken first, lowest offset first.
    for (const i of [700, 701, 5, 3]) pages.free(slots[i]!.page, slots[i]!.offset, 48);
    pages.alloc(48);
    expect([pages.page === slots[0]!.page, pages.offset]).toEqual([true, 3 * 48]);
    pages.alloc(48);
    expect([pages.page === slots[0]!.page, pages.offset]).toEqual([true, 5 * 48]);
    pages.alloc(48);
    expect([pages.page === slots[682]!.page, pages.offset]).toEqual([true, (700 - 682) * 48]);
  });

  it("moves a slot to an older page's free slot on relocate, dropping the page it leaves once empty", () => {
    const pages = new SlotPages();
    const slots = take48(pages, 1400);
    // The second page keeps one slot in use; the first has room.
    for (const s of slots.slice(682, 1364)) if (s !== slots[1000]) pages.free(s.page, s.offset, 48);
    pages.free(slots[10]!.page, slots[10]!.offset, 48);
    expect(pages.stats().pageBytes).toBe(3 * 32 * 1024);
    expect(pages.relocate(slots[1000]!.page, slots[1000]!.offset, 48)).toBe(true);
    expect([pages.page === slots[0]!.page, pages.offset]).toEqual([true, 10 * 48]);
    expect(pages.stats()).toEqual({ pageBytes: 2 * 32 * 1024, slotsInUse: 1400 - 682 });
    // No older free slot: it stays.
    expect(pages.relocate(slots[5]!.page, slots[5]!.offset, 48)).toBe(false);
    expect(pages.relocate(slots[1390]!.page, slots[1390]!.offset, 48)).toBe(false);
  });

  it("gives back the pages of small classes that series of one target grew through in step", () => {
    const pages = new SlotPages();
    const series = 3000;
    const apps = Array.from({ length: series }, () => new XORAppender(48, pages));
    // Values of 0 to 6 random digits: chunks end in every class from 32 to 1536 bytes.
    const bits = new DataView(new ArrayBuffer(8));
    const sample = (s: number, i: number) => {
      bits.setFloat64(0, Math.round(Math.sin(s * 1000 + i) * 10 ** (s % 7)));
      return { t: 1_700_000_000_000 + i * 15_000, hi: bits.getUint32(0), lo: bits.getUint32(4) };
    };
    const largest = new Array<number>(series).fill(0);
    for (let i = 0; i < 360; i++) {
      for (let s = 0; s < series; s++) {
        const x = sample(s, i);
        const a = apps[s]!;
        if (i > 0 && i % 120 === 0) {
          largest[s] = Math.max(largest[s]!, a.byteLength);
          a.restart(x.t, x.hi, x.lo);
        } else a.appendBits(x.t, x.hi, x.lo);
      }
    }
    // A series keeps the room its largest chunk grew into: a class at or above that chunk's size.
    let slotBytes = 0;
    for (let s = 0; s < series; s++) slotBytes += SLOT_SIZES.find((c) => c >= Math.max(largest[s]!, apps[s]!.byteLength))!;
    const { pageBytes, slotsInUse } = pages.stats();
    expect(slotsInUse).toBe(series);
    // 1.22; handing out freed slots last-freed first, with no relocation, left 1.34.
    expect(pageBytes / slotBytes).toBeLessThan(1.28);
  });

  it("opens a new page when a class's page is carved out", () => {
    const pages = new SlotPages();
    const size = SLOT_SIZES[SLOT_SIZES.length - 1]!;
    const seen = new Set<Uint8Array>();
    for (let i = 0; i < 20; i++) {
      pages.alloc(size);
      seen.add(pages.page);
    }
    expect(seen.size).toBe(2);
    expect(pages.stats().pageBytes).toBe(2 * 32 * 1024);
  });
});

describe("XOR chunks in slots", () => {
  it("encode exactly as chunks with buffers of their own, while many grow side by side", () => {
    const pages = new SlotPages();
    const series = 60;
    const inSlots = Array.from({ length: series }, () => new XORAppender(48, pages));
    const own = Array.from({ length: series }, () => new XORAppender(48));
    // Interleaved appends make the chunks outgrow their slots in turn, so each copy lands beside others.
    for (let i = 0; i < 120; i++) {
      for (let s = 0; s < series; s++) {
        fill(inSlots[s]!, s, i, i + 1, s % 3 === 0);
        fill(own[s]!, s, i, i + 1, s % 3 === 0);
      }
    }
    for (let s = 0; s < series; s++) expect(inSlots[s]!.bytes()).toEqual(own[s]!.bytes());
    expect(pages.stats().slotsInUse).toBe(series);
  });

  it("move from a buffer of their own into a slot the size of the chunk before on restart", () => {
    const pages = new SlotPages();
    const app = new XORAppender(48);
    fill(app, 4, 0, 120, false);
    const size = app.byteLength;
    app.restart(sampleAt(4, 120, false).t, sampleAt(4, 120, false).hi, sampleAt(4, 120, false).lo, pages);
    expect(pages.stats().slotsInUse).toBe(1);
    fill(app, 4, 121, 240, false);
    const fresh = new XORAppender(48);
    fill(fresh, 4, 120, 240, false);
    expect(app.bytes()).toEqual(fresh.bytes());
    // The slot is the smallest class that held the first chunk.
    expect(pages.alloc(1)).toBe(32);
    expect(SLOT_SIZES.find((c) => c >= size)).toBeGreaterThanOrEqual(app.byteLength);
    app.release();
    expect(pages.stats().slotsInUse).toBe(1);
  });

  it("leave the pages for a buffer of their own past the largest slot", () => {
    const pages = new SlotPages();
    const big = new XORAppender(48, pages);
    const ref = new XORAppender(48);
    fill(big, 1, 0, 400, true);
    fill(ref, 1, 0, 400, true);
    expect(big.byteLength).toBeGreaterThan(2048);
    expect(big.bytes()).toEqual(ref.bytes());
    // Its buffer doubled from the slot's size, not from the 32 KiB page's (it sat at the page's start).
    expect(big.bytes().buffer.byteLength).toBeLessThanOrEqual(8192);
    expect(pages.stats().slotsInUse).toBe(0);
  });

  it("restart in place as a fresh chunk would be written, and release their slot for reuse", () => {
    const pages = new SlotPages();
    const a = new XORAppender(48, pages);
    const b = new XORAppender(48, pages);
    fill(a, 1, 0, 120, false);
    fill(b, 2, 0, 120, true);
    const bBytes = b.bytes().slice();
    a.restart(sampleAt(1, 120, false).t, sampleAt(1, 120, false).hi, sampleAt(1, 120, false).lo);
    fill(a, 1, 121, 240, false);
    const fresh = new XORAppender(48);
    fill(fresh, 1, 120, 240, false);
    expect(a.bytes()).toEqual(fresh.bytes());
    expect(a.numSamples).toBe(120);
    const it = new XORIterator(a.bytes());
    expect(it.next()).toBe(true);
    expect(it.t).toBe(sampleAt(1, 120, false).t);
    // b's bytes were never touched by a's restart.
    expect(b.bytes()).toEqual(bBytes);

    a.release();
    expect(a.byteLength).toBe(0);
    expect(pages.stats().slotsInUse).toBe(1);
    // A new chunk takes a's old slot; a released appender restarted writes to a buffer of its own, touching neither.
    const c = new XORAppender(48, pages);
    fill(c, 3, 0, 120, false);
    const cBytes = c.bytes().slice();
    a.restart(5, 0x40000000, 0);
    expect(a.numSamples).toBe(1);
    expect(c.bytes()).toEqual(cBytes);
    expect(b.bytes()).toEqual(bBytes);
    expect(pages.stats().slotsInUse).toBe(2);
  });
});
