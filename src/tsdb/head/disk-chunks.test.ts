import { describe, expect, it } from "vitest";
import { DiskChunks, readChunks } from "./disk-chunks";
import type { ChunkRowSource } from "./disk-chunks";
import { ChunkSlab, HeadChunk } from "./slab";

/** Rows of 1,000 bytes whose byte i is (row + i) mod 256, counting reads per row. */
class Rows implements ChunkRowSource {
  readonly reads = new Map<number, number>();
  readChunkRow(row: number): Uint8Array {
    this.reads.set(row, (this.reads.get(row) ?? 0) + 1);
    return Uint8Array.from({ length: 1000 }, (_, i) => (row + i) & 0xff);
  }
}

/** A chunk of `length` bytes written at `offset` in `row`, read from there. */
function onDisk(disk: DiskChunks, row: number, offset: number, length: number): HeadChunk {
  const c = new ChunkSlab().store(row * 1000 + offset, 0, 1, new Uint8Array(length));
  c.persist(row);
  c.evict(disk, offset);
  return c;
}

describe("DiskChunks", () => {
  it("reads a chunk's bytes from its row and keeps recent rows within its byte budget", () => {
    const rows = new Rows();
    const disk = new DiskChunks(rows, { cacheBytes: 2500 });
    expect([...disk.read(3, 10, 4)]).toEqual([13, 14, 15, 16]);
    disk.read(3, 500, 4);
    disk.read(4, 0, 1);
    expect(rows.reads.get(3)).toBe(1);
    // A third row overflows 2,500 bytes: the least recently used (3) goes.
    disk.read(5, 0, 1);
    disk.read(4, 0, 1);
    disk.read(3, 0, 1);
    expect(rows.reads.get(3)).toBe(2);
    expect(rows.reads.get(4)).toBe(1);
    expect(disk.rowsRead).toBe(4);
    disk.clearCache();
    disk.read(3, 0, 1);
    expect(rows.reads.get(3)).toBe(3);
  });

  it("keeps a row larger than the budget until the next read", () => {
    const rows = new Rows();
    const disk = new DiskChunks(rows, { cacheBytes: 10 });
    const a = disk.read(1, 0, 3);
    expect([...a]).toEqual([1, 2, 3]);
    disk.read(1, 5, 1);
    expect(rows.reads.get(1)).toBe(1);
  });
});

describe("readChunks", () => {
  it("reads each row once, in-memory chunks from memory, and hands every chunk its own bytes", () => {
    const rows = new Rows();
    const disk = new DiskChunks(rows, { cacheBytes: 0 });
    const slab = new ChunkSlab();
    const chunks = [onDisk(disk, 7, 0, 3), slab.store(1, 0, 1, Uint8Array.of(9, 9)), onDisk(disk, 2, 100, 2), onDisk(disk, 7, 500, 2), onDisk(disk, 2, 0, 1)];
    const got: (number[] | undefined)[] = [];
    const order: number[] = [];
    readChunks(chunks, (i, bytes) => {
      got[i] = [...bytes];
      order.push(i);
    });
    expect(got).toEqual([[7, 8, 9], [9, 9], [102, 103], [(7 + 500) & 0xff, (7 + 501) & 0xff], [2]]);
    expect([...rows.reads]).toEqual([
      [2, 1],
      [7, 1],
    ]);
    // The in-memory chunk first, then row 2's chunks, then row 7's.
    expect(order).toEqual([1, 2, 4, 0, 3]);
  });

  it("lets a written chunk drop its slab and read from disk from then on, never one not yet written", () => {
    const rows = new Rows();
    const disk = new DiskChunks(rows);
    const c = new ChunkSlab().store(5, 10, 20, Uint8Array.of(1, 2, 3));
    expect(c.persisted).toBe(false);
    expect(() => c.evict(disk, 1)).toThrow(/not yet in the checkpoint/);
    c.persist(4);
    expect([c.persisted, c.disk, [...c.data]]).toEqual([true, null, [1, 2, 3]]);
    c.evict(disk, 1);
    expect(c.disk).toBe(disk);
    expect([...c.data]).toEqual([5, 6, 7]);
    expect([c.row, c.minTime, c.maxTime]).toEqual([4, 10, 20]);
  });
});

describe("written chunks in memory", () => {
  const chunk = (id: number, bytes: number) => new ChunkSlab().store(id, id * 10, id * 10 + 5, new Uint8Array(bytes).fill(id));

  it("stay within the byte budget, the oldest leaving first", () => {
    const disk = new DiskChunks(new Rows(), { residentBytes: 250 });
    const chunks = Array.from({ length: 10 }, (_, i) => chunk(i + 1, 100));
    chunks.forEach((c, i) => disk.written(c, i + 1, 0));
    expect(disk.residentByteCount).toBe(200);
    expect(chunks.map((c) => c.disk !== null)).toEqual([true, true, true, true, true, true, true, true, false, false]);
    // Those in memory read their own bytes; those on disk read their row.
    expect([...chunks[9]!.data.subarray(0, 2)]).toEqual([10, 10]);
    expect([...chunks[0]!.data.subarray(0, 2)]).toEqual([1, 2]);
  });

  it("are forgotten when the head drops them, and no longer count", () => {
    const disk = new DiskChunks(new Rows(), { residentBytes: 1000 });
    const chunks = Array.from({ length: 5 }, (_, i) => chunk(i + 1, 100));
    chunks.forEach((c, i) => disk.written(c, i + 1, 0));
    disk.forget((c) => c.maxTime >= 30);
    expect(disk.residentByteCount).toBe(300);
    // Room freed: three more fit before the oldest kept (id 3) leaves.
    const more = Array.from({ length: 8 }, (_, i) => chunk(i + 6, 100));
    more.forEach((c, i) => disk.written(c, i + 6, 0));
    expect(disk.residentByteCount).toBe(1000);
    expect(chunks.map((c) => c.disk !== null)).toEqual([false, false, true, false, false]);
  });
});
