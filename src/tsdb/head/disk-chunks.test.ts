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

const onDisk = (disk: DiskChunks, row: number, offset: number, length: number) => new HeadChunk(row * 100 + offset, 0, 1, disk, offset, length, row);

describe("DiskChunks", () => {
  it("reads a chunk's bytes from its row and keeps recent rows within its byte budget", () => {
    const rows = new Rows();
    const disk = new DiskChunks(rows, 2500);
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
    const disk = new DiskChunks(rows, 10);
    const a = disk.read(1, 0, 3);
    expect([...a]).toEqual([1, 2, 3]);
    disk.read(1, 5, 1);
    expect(rows.reads.get(1)).toBe(1);
  });
});

describe("readChunks", () => {
  it("reads each row once, in-memory chunks from memory, and hands every chunk its own bytes", () => {
    const rows = new Rows();
    const disk = new DiskChunks(rows, 0);
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

  it("lets a persisted chunk drop its slab and read from disk from then on", () => {
    const rows = new Rows();
    const disk = new DiskChunks(rows);
    const c = new ChunkSlab().store(5, 10, 20, Uint8Array.of(1, 2, 3));
    expect(c.persisted).toBe(false);
    c.persist(4, 1, null);
    expect([c.persisted, c.disk, [...c.data]]).toEqual([true, null, [1, 2, 3]]);
    c.persist(4, 1, disk);
    expect(c.disk).toBe(disk);
    expect([...c.data]).toEqual([5, 6, 7]);
    expect(c.row).toBe(4);
  });
});
