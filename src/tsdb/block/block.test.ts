import { describe, expect, it } from "vitest";
import { compareLabels, formatLabels, type Labels } from "../../model/labels";
import { Matcher, matchesAll } from "../../model/matchers";
import { BlockReader, memoryBlockFiles } from "./block-reader";
import { writeBlock, writeBlockToMemory } from "./block-writer";
import { chunkRefSegment } from "./chunks-format";
import { IndexReader } from "./index-reader";
import { parseBlockMeta } from "./meta";
import { MemoryRangeReader } from "./range-reader";
import { MemoryBlockSink } from "./sink";
import { labels, opaqueSeries } from "./testutil";

const H2 = 7_200_000;

function testSets(): Labels[] {
  const sets: Labels[] = [];
  for (const job of ["api", "db", "web"]) {
    for (let i = 0; i < 20; i++) {
      const rec: Record<string, string> = { __name__: i % 2 ? "up" : "http_requests_total", job, instance: `host-${i}:9100` };
      if (i % 3 === 0) rec.env = "prod";
      if (i % 5 === 0) rec.env = "dev";
      if (job === "web") rec.path = i % 4 === 0 ? "/" : "/api/ünïcode";
      sets.push(labels(rec));
    }
  }
  return sets.sort(compareLabels);
}

async function build(sets = testSets(), chunksPer = 3, segmentSize?: number) {
  const series = opaqueSeries(sets, chunksPer);
  const written = await writeBlockToMemory(series, {
    minTime: 0,
    maxTime: H2,
    externalLabels: { tenant: "t1", shard: "3" },
    ...(segmentSize ? { segmentSize } : {}),
  });
  return { series, written };
}

describe("block round trip", () => {
  it("reads back every series, chunk and label exactly", async () => {
    const { series, written } = await build();
    const block = await BlockReader.open(memoryBlockFiles(written.data));
    expect(block.meta.stats).toEqual({ numSamples: 60 * 3 * 120, numFloatSamples: 60 * 3 * 120, numSeries: 60, numChunks: 180 });
    expect(block.meta.thanos.labels).toEqual({ tenant: "t1", shard: "3" });
    expect(block.meta.thanos.downsample).toEqual({ resolution: 0 });

    const got = await block.select([new Matcher("=~", "__name__", ".+")], { minTime: 0, maxTime: H2 });
    expect(got.map((s) => formatLabels(s.labels))).toEqual(series.map((s) => formatLabels(s.labels)));
    for (let i = 0; i < series.length; i++) {
      expect(got[i]!.chunks.length).toBe(3);
      for (let c = 0; c < 3; c++) {
        expect(got[i]!.chunks[c]!.data).toEqual(series[i]!.chunks[c]!.data);
        expect(got[i]!.chunks[c]!.minTime).toBe(series[i]!.chunks[c]!.minTime);
        expect(got[i]!.chunks[c]!.maxTime).toBe(series[i]!.chunks[c]!.maxTime);
        expect(got[i]!.chunks[c]!.encoding).toBe(1);
      }
    }
  });

  it("lists label names and values from the postings table", async () => {
    const { written } = await build();
    const ix = await IndexReader.open(new MemoryRangeReader(written.data.get("index")!));
    expect(ix.labelNames()).toEqual(["__name__", "env", "instance", "job", "path"]);
    expect(ix.labelValues("job")).toEqual(["api", "db", "web"]);
    expect(ix.labelValues("env")).toEqual(["dev", "prod"]);
    expect(ix.labelValues("path")).toEqual(["/", "/api/ünïcode"]);
    expect(ix.labelValues("nope")).toEqual([]);
    expect((await ix.allPostings()).length).toBe(60);
  });

  it("filters chunks by time range", async () => {
    const { written } = await build();
    const block = await BlockReader.open(memoryBlockFiles(written.data));
    // Second chunk covers [1_800_000, 3_585_000].
    const got = await block.select([new Matcher("=", "job", "db")], { minTime: 3_000_000, maxTime: 3_500_000 });
    expect(got.length).toBe(20);
    for (const s of got) expect(s.chunks.map((c) => c.minTime)).toEqual([1_800_000]);
    expect(await block.select([new Matcher("=", "job", "db")], { minTime: H2, maxTime: H2 * 2 })).toEqual([]);
  });

  it("splits chunks across segments when they exceed the segment size", async () => {
    const { series, written } = await build(testSets(), 3, 4096);
    const segs = written.files.filter((f) => f.rel_path.startsWith("chunks/"));
    expect(segs.length).toBeGreaterThan(5);
    for (const f of segs) {
      expect(written.data.get(f.rel_path)!.length).toBe(f.size_bytes);
      expect(f.size_bytes).toBeLessThanOrEqual(4096);
    }
    expect(segs[0]!.rel_path).toBe("chunks/000001");
    const block = await BlockReader.open(memoryBlockFiles(written.data));
    const all = await block.index.seriesMany(await block.index.allPostings());
    const refs = all.flatMap((s) => s.chunks.map((c) => c.ref));
    expect(new Set(refs.map(chunkRefSegment)).size).toBe(segs.length);
    const got = await block.select([new Matcher("!=", "job", "")], { minTime: 0, maxTime: H2 });
    expect(got.flatMap((s) => s.chunks.map((c) => c.data))).toEqual(series.flatMap((s) => s.chunks.map((c) => c.data)));
  });

  it("writes meta.json last and parses it back", async () => {
    const sink = new MemoryBlockSink();
    const order: string[] = [];
    const tracking = { create: async (p: string) => (order.push(p), sink.create(p)) };
    const res = await writeBlock(opaqueSeries(testSets(), 1), { minTime: 0, maxTime: H2, externalLabels: {}, ulid: "01ARYZ6S41TSV4RRFFQ69G5FAV" }, tracking);
    expect(order).toEqual(["chunks/000001", "index", "meta.json"]);
    const meta = parseBlockMeta(new TextDecoder().decode(sink.files.get("meta.json")!));
    expect(meta).toEqual(res.meta);
    expect(meta.compaction).toEqual({ level: 1, sources: ["01ARYZ6S41TSV4RRFFQ69G5FAV"] });
    expect(meta.version).toBe(1);
  });

  it("rejects out-of-order series, overlapping chunks and chunks outside the block", async () => {
    const [a, b] = opaqueSeries([labels({ a: "1" }), labels({ a: "2" })], 2);
    const opts = { minTime: 0, maxTime: H2, externalLabels: {} };
    await expect(writeBlockToMemory([b!, a!], opts)).rejects.toThrow(/out of order/);
    await expect(writeBlockToMemory([a!, a!], opts)).rejects.toThrow(/out of order/);
    const overlap = { labels: a!.labels, chunks: [a!.chunks[0]!, { ...a!.chunks[1]!, minTime: 1000 }] };
    await expect(writeBlockToMemory([overlap], opts)).rejects.toThrow(/not above previous chunk maxTime/);
    await expect(writeBlockToMemory([a!], { ...opts, maxTime: 3_000_000 })).rejects.toThrow(/outside the block range/);
  });

  it("writes an empty block that reads as empty", async () => {
    const w = await writeBlockToMemory([], { minTime: 0, maxTime: H2, externalLabels: {} });
    expect([...w.data.keys()]).toEqual(["index", "meta.json"]);
    const ix = await IndexReader.open(new MemoryRangeReader(w.data.get("index")!));
    expect(ix.labelNames()).toEqual([]);
    expect(await ix.postingsForMatchers([new Matcher("=~", "a", ".*")])).toEqual(new Uint32Array(0));
  });
});

describe("postingsForMatchers", () => {
  const cases: [string, Matcher[]][] = [
    ["equal", [new Matcher("=", "job", "api")]],
    ["equal, missing value", [new Matcher("=", "job", "nope")]],
    ["equal, missing name", [new Matcher("=", "nope", "x")]],
    ["equal empty (label absent)", [new Matcher("=", "env", "")]],
    ["not equal", [new Matcher("!=", "env", "prod")]],
    ["not equal empty (label present)", [new Matcher("!=", "env", "")]],
    ["regex", [new Matcher("=~", "instance", "host-1.*")]],
    ["regex alternation", [new Matcher("=~", "job", "api|web")]],
    ["regex matching empty", [new Matcher("=~", "env", "prod|")]],
    ["regex .*", [new Matcher("=~", "path", ".*")]],
    ["regex .+", [new Matcher("=~", "path", ".+")]],
    ["not regex", [new Matcher("!~", "job", "a.*")]],
    ["not regex .*", [new Matcher("!~", "env", ".*")]],
    ["not regex not matching empty", [new Matcher("!~", "env", "")]],
    ["unicode value", [new Matcher("=", "path", "/api/ünïcode")]],
    ["combined", [new Matcher("=", "__name__", "up"), new Matcher("=~", "job", "db|web"), new Matcher("!=", "env", "dev")]],
    ["must be set and not", [new Matcher("=~", "env", ".+"), new Matcher("!=", "env", "dev")]],
    ["only negatives", [new Matcher("!=", "job", "api"), new Matcher("!~", "instance", "host-1.*")]],
    ["contradiction", [new Matcher("=", "job", "api"), new Matcher("=", "job", "db")]],
  ];

  it.each(cases)("%s: same series as matching every label set directly", async (_name, ms) => {
    const sets = testSets();
    const { written } = await build(sets, 1);
    const ix = await IndexReader.open(new MemoryRangeReader(written.data.get("index")!));
    const refs = await ix.postingsForMatchers(ms);
    const got = (await ix.seriesMany(refs)).map((s) => formatLabels(s.labels));
    const want = sets.filter((l) => matchesAll(ms, l)).map(formatLabels);
    expect(got).toEqual(want);
    for (let i = 1; i < refs.length; i++) expect(refs[i]!).toBeGreaterThan(refs[i - 1]!);
  });
});

describe("byte order of strings", () => {
  it("sorts and finds values by UTF-8 bytes, not UTF-16 units", async () => {
    // U+FFFD is EF BF BD in UTF-8, U+1F600 is F0 9F 98 80: bytewise U+FFFD
    // sorts first, although its UTF-16 unit (FFFD) is above D83D.
    const sets = [labels({ a: "x", v: "\uFFFD" }), labels({ a: "x", v: "\u{1F600}" })];
    const w = await writeBlockToMemory(opaqueSeries(sets, 1), { minTime: 0, maxTime: H2, externalLabels: {} });
    const ix = await IndexReader.open(new MemoryRangeReader(w.data.get("index")!));
    expect(ix.labelValues("v")).toEqual(["\uFFFD", "\u{1F600}"]);
    for (const v of ["\uFFFD", "\u{1F600}"]) {
      const refs = await ix.postings("v", v);
      expect(refs.length).toBe(1);
      expect((await ix.series(refs[0]!)).labels).toEqual(labels({ a: "x", v }));
    }
    // The reverse order is refused: it is not the index's order.
    await expect(writeBlockToMemory(opaqueSeries([sets[1]!, sets[0]!], 1), { minTime: 0, maxTime: H2, externalLabels: {} })).rejects.toThrow(/out of order/);
  });
});

describe("entries longer than the read guesses", () => {
  it("re-reads series entries and chunks that overrun the first range", async () => {
    // 200 chunks make a series entry of well over 512 bytes; one 10 kB chunk
    // is far above the 2 kB guess for the last chunk of a run.
    const many = {
      labels: labels({ __name__: "long" }),
      chunks: Array.from({ length: 200 }, (_, i) => ({ minTime: i * 1000, maxTime: i * 1000 + 500, data: Uint8Array.of(0, 1, i & 0xff) })),
    };
    const big = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
    const large = { labels: labels({ __name__: "zlarge" }), chunks: [{ minTime: 0, maxTime: 10, data: big }] };
    const w = await writeBlockToMemory([many, large], { minTime: 0, maxTime: H2, externalLabels: {} });
    const block = await BlockReader.open(memoryBlockFiles(w.data), { meta: w.meta, prefetchBytes: 1024 });
    const range = { minTime: 0, maxTime: H2 };

    // Postings 1, series guess 1 + length probe 1 + whole entry 1, chunks 1.
    let before = block.stats.requests;
    const [longSeries] = await block.select([new Matcher("=", "__name__", "long")], range);
    expect(block.stats.requests - before).toBe(5);
    expect(longSeries!.chunks.map((c) => c.data[2])).toEqual(many.chunks.map((c) => c.data[2]));

    // Postings 1, series 1, chunk guess 1 + length probe 1 + whole chunk 1.
    before = block.stats.requests;
    const [largeSeries] = await block.select([new Matcher("=", "__name__", "zlarge")], range);
    expect(block.stats.requests - before).toBe(5);
    expect(largeSeries!.chunks[0]!.data).toEqual(big);
  });
});
