import { describe, expect, it } from "vitest";
import { Matcher } from "../../model/matchers";
import { BlockReader, memoryBlockFiles } from "./block-reader";
import { writeBlockToMemory } from "./block-writer";
import { ChunksReader } from "./chunks-reader";
import { crc32c } from "./crc32";
import { CorruptionError } from "./decbuf";
import { IndexReader } from "./index-reader";
import { IndexWriter } from "./index-writer";
import { CountingRangeReader, MemoryRangeReader, newIOStats } from "./range-reader";
import { labels, opaqueSeries } from "./testutil";

const be32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at);
const be64 = (b: Uint8Array, at: number) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(at));

describe("index layout", () => {
  // One series {a="b"} with one chunk; every offset below is worked out by
  // hand from the format description, not taken from the writer.
  const w = new IndexWriter();
  w.addSeries(labels({ a: "b" }), [{ ref: 8, minTime: 1000, maxTime: 2000 }]);
  const ix = w.finish();

  it("starts with magic and version 2", () => {
    expect([...ix.subarray(0, 5)]).toEqual([0xba, 0xaa, 0xd7, 0x00, 2]);
  });

  it("writes the symbol table at 5 with length, count and checksum", () => {
    // Symbols "", "a", "b": count(4) + "\x00" + "\x01a" + "\x01b".
    expect(be32(ix, 5)).toBe(9);
    expect([...ix.subarray(9, 18)]).toEqual([0, 0, 0, 3, 0, 1, 0x61, 1, 0x62]);
    expect(be32(ix, 18)).toBe(crc32c(ix.subarray(9, 18)));
  });

  it("aligns the series entry to 16 bytes with delta-encoded chunk metas", () => {
    // Symbols end at 22; the series starts at the next multiple of 16.
    expect([...ix.subarray(22, 32)]).toEqual(new Array(10).fill(0));
    // 1 label: name symbol 1, value symbol 2; 1 chunk: zigzag(1000)=2000, 1000, ref 8.
    const body = [1, 1, 2, 1, 0xd0, 0x0f, 0xe8, 0x07, 8];
    expect([...ix.subarray(32, 42)]).toEqual([9, ...body]);
    expect(be32(ix, 42)).toBe(crc32c(Uint8Array.from(body)));
  });

  it("writes a label index for a: one value, symbol 2", () => {
    // The series ends at 46; the label index starts at the next multiple of 4.
    expect([48, 52, 56, 60].map((o) => be32(ix, o))).toEqual([12, 1, 1, 2]);
    expect(be32(ix, 64)).toBe(crc32c(ix.subarray(52, 64)));
  });

  it("writes postings for all series and for a=b, both holding series ref 2", () => {
    for (const at of [68, 84]) {
      expect([at, at + 4, at + 8].map((o) => be32(ix, o))).toEqual([8, 1, 2]);
      expect(be32(ix, at + 12)).toBe(crc32c(ix.subarray(at + 4, at + 12)));
    }
  });

  it("ends with the offset tables and a TOC pointing at each section", () => {
    const toc = ix.length - 52;
    expect(toc).toBe(138);
    expect([0, 8, 16, 24, 32, 40].map((o) => be64(ix, toc + o))).toEqual([5, 22, 46, 100, 68, 116]);
    expect(be32(ix, toc + 48)).toBe(crc32c(ix.subarray(toc, toc + 48)));
    // Label offset table: ("a") → 48.
    expect([be32(ix, 100), be32(ix, 104)]).toEqual([8, 1]);
    expect([...ix.subarray(108, 112)]).toEqual([1, 1, 0x61, 48]);
    // Postings offset table: ("","") → 68 and ("a","b") → 84.
    expect([be32(ix, 116), be32(ix, 120)]).toEqual([14, 2]);
    expect([...ix.subarray(124, 134)]).toEqual([2, 0, 0, 68, 2, 1, 0x61, 1, 0x62, 84]);
    expect(be32(ix, 134)).toBe(crc32c(ix.subarray(120, 134)));
  });
});

describe("corruption is detected", () => {
  async function block() {
    const sets = [labels({ __name__: "m", i: "1" }), labels({ __name__: "m", i: "2" })];
    return writeBlockToMemory(opaqueSeries(sets, 2), { minTime: 0, maxTime: 7_200_000, externalLabels: {} });
  }
  function flipped(b: Uint8Array, at: number): MemoryRangeReader {
    const c = b.slice();
    c[at]! ^= 0x10;
    return new MemoryRangeReader(c);
  }

  it("in the TOC", async () => {
    const ix = (await block()).data.get("index")!;
    await expect(IndexReader.open(flipped(ix, ix.length - 20))).rejects.toThrow(/index: TOC checksum mismatch/);
  });

  it("in the symbol table", async () => {
    const ix = (await block()).data.get("index")!;
    await expect(IndexReader.open(flipped(ix, 12))).rejects.toThrow(/symbol table at 5: checksum mismatch/);
  });

  it("in the magic number", async () => {
    const ix = (await block()).data.get("index")!;
    await expect(IndexReader.open(flipped(ix, 0))).rejects.toThrow(CorruptionError);
  });

  it("in a truncated file", async () => {
    const ix = (await block()).data.get("index")!;
    await expect(IndexReader.open(new MemoryRangeReader(ix.subarray(0, ix.length - 7)))).rejects.toThrow(CorruptionError);
  });

  it("in a series entry", async () => {
    const ix = (await block()).data.get("index")!;
    // The first entry is at the first multiple of 16 in the series section.
    const seriesAt = Math.ceil(be64(ix, ix.length - 52 + 8) / 16) * 16;
    const r = await IndexReader.open(flipped(ix, seriesAt + 3));
    await expect(r.series(seriesAt / 16)).rejects.toThrow(/series \d+: checksum mismatch/);
  });

  it("in a postings list", async () => {
    const ix = (await block()).data.get("index")!;
    const postingsAt = be64(ix, ix.length - 52 + 32);
    const r = await IndexReader.open(flipped(ix, postingsAt + 9));
    await expect(r.allPostings()).rejects.toThrow(/postings list at \d+: checksum mismatch/);
  });

  it("in a chunk", async () => {
    const seg = (await block()).data.get("chunks/000001")!;
    const bad = flipped(seg, 20);
    const cr = new ChunksReader(async () => bad);
    await expect(cr.chunk(8)).rejects.toThrow(/chunks: chunk 8: checksum mismatch/);
    await expect(cr.checkSegmentHeader(0)).resolves.toBeUndefined();
    const badMagic = new ChunksReader(async () => flipped(seg, 1));
    await expect(badMagic.checkSegmentHeader(0)).rejects.toThrow(/invalid magic number/);
  });
});

describe("range reads", () => {
  it("opens a large index with three reads and selects with one read per kind", async () => {
    const sets = Array.from({ length: 2000 }, (_, i) => labels({ __name__: "m", i: String(i).padStart(5, "0"), mod: String(i % 7) }));
    const w = await writeBlockToMemory(opaqueSeries(sets, 1), { minTime: 0, maxTime: 7_200_000, externalLabels: {} });
    const stats = newIOStats();
    const files = memoryBlockFiles(w.data);
    const block = await BlockReader.open(
      { open: async (p, size) => new CountingRangeReader(await files.open(p, size), stats) },
      { meta: w.meta, prefetchBytes: 4096 },
    );
    // Tail (TOC), head (symbols), postings offset table: 3 reads.
    expect(stats.requests).toBe(3);
    const before = { ...stats };
    const got = await block.select([new Matcher("=", "mod", "3")], { minTime: 0, maxTime: 7_200_000 });
    expect(got.length).toBe(286);
    // One postings list, one coalesced run of series, one coalesced run of chunks.
    expect(block.stats.requests - before.requests).toBe(3);
    expect(block.stats.bytes).toBeGreaterThan(before.bytes);
  });
});
