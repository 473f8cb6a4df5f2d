/**
 * Blocks we write must be readable by Prometheus's own tools: promtool
 * analyzes the block and dumps exactly the samples we put in.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { writeBlock, writeBlockToMemory } from "../../src/tsdb/block/block-writer";
import type { BlockSink } from "../../src/tsdb/block/sink";
import { labels, nodeExporterSeries, type RawSeries, toBlockSeries } from "../../src/tsdb/block/testutil";
import { compareLabels } from "../../src/model/labels";
import { newULID } from "../../src/tsdb/block/ulid";
import { BlockReader } from "../../src/tsdb/block/block-reader";
import { MemoryRangeReader } from "../../src/tsdb/block/range-reader";
import { decodeXOR } from "../../src/tsdb/chunkenc/xor";
import { Matcher } from "../../src/model/matchers";

const PROMTOOL = fileURLToPath(new URL("../../.tools/prometheus/promtool", import.meta.url));
const haveTool = existsSync(PROMTOOL);
if (!haveTool) console.warn(`promtool-block: ${PROMTOOL} missing, skipping (run: bash scripts/setup-prometheus.sh)`);

const H2 = 7_200_000;
const T0 = Math.floor(1_750_000_000_000 / H2) * H2;

function dirSink(dir: string): BlockSink {
  return {
    async create(path) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      const parts: Uint8Array[] = [];
      return {
        async write(b) {
          parts.push(b);
        },
        async close() {
          writeFileSync(full, Buffer.concat(parts));
        },
      };
    },
  };
}

/** The label set as Go's labels.Labels.String() prints it (ASCII values only). */
function goLabels(s: RawSeries): string {
  return "{" + s.labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(", ") + "}";
}

function parseGoFloat(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  return Number(s);
}

describe.skipIf(!haveTool)("promtool reads our blocks", () => {
  const root = mkdtempSync(join(tmpdir(), "promflare-block-"));
  // promtool opens the directory as a TSDB, which needs a (here empty) WAL.
  mkdirSync(join(root, "wal"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // 200 node-exporter-like series, 2h at 15s, plus one series of awkward values.
  const raw = nodeExporterSeries(2, T0, 480).slice(0, 200);
  const special = [0.1, -0, 5e-324, 1e300, -1e-300, Infinity, -Infinity, NaN, 2 ** 53 + 2, -123.456];
  raw.push({
    labels: labels({ __name__: "special_values", job: "test" }),
    timestamps: Float64Array.from(special, (_, i) => T0 + i * 1000),
    values: Float64Array.from(special),
  });
  raw.sort((a, b) => compareLabels(a.labels, b.labels));

  const ulid = newULID();
  it("writes the block", async () => {
    const opts = { ulid, minTime: T0, maxTime: T0 + H2, externalLabels: { tenant: "e2e", shard: "0" } };
    const written = await writeBlock(toBlockSeries(raw), opts, dirSink(join(root, ulid)));
    expect(written.meta.stats.numSeries).toBe(201);
    expect(written.meta.stats.numSamples).toBe(200 * 480 + special.length);
  });

  it("passes promtool tsdb analyze", () => {
    const out = execFileSync(PROMTOOL, ["tsdb", "analyze", root, ulid], { encoding: "utf8" });
    expect(out).toContain(`Block ID: ${ulid}`);
    expect(out).toContain("Total Series: 201");
    const names = new Set(raw.flatMap((r) => r.labels.map((l) => l.name)));
    const pairs = new Set(raw.flatMap((r) => r.labels.map((l) => `${l.name}=${l.value}`)));
    const entries = raw.reduce((n, r) => n + r.labels.length, 0);
    expect(out).toContain(`Label names: ${names.size}\n`);
    expect(out).toContain(`Postings (unique label pairs): ${pairs.size}\n`);
    expect(out).toContain(`Postings entries (total label pairs): ${entries}\n`);
  });

  it("dumps exactly our samples", () => {
    const out = execFileSync(PROMTOOL, ["tsdb", "dump", `--min-time=${T0}`, `--max-time=${T0 + H2}`, root], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const got = new Map<string, { ts: number[]; vs: number[] }>();
    for (const line of out.split("\n")) {
      if (line === "") continue;
      const b = line.lastIndexOf(" ");
      const a = line.lastIndexOf(" ", b - 1);
      const key = line.slice(0, a);
      let e = got.get(key);
      if (!e) got.set(key, (e = { ts: [], vs: [] }));
      e.vs.push(parseGoFloat(line.slice(a + 1, b)));
      e.ts.push(Number(line.slice(b + 1)));
    }
    expect([...got.keys()].sort()).toEqual(raw.map(goLabels).sort());
    let mismatches = 0;
    for (const s of raw) {
      const e = got.get(goLabels(s))!;
      expect(e.ts).toEqual(Array.from(s.timestamps));
      for (let i = 0; i < s.values.length; i++) if (!Object.is(e.vs[i], s.values[i])) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("writes the same index and chunk bytes as Prometheus for the same samples", async () => {
    // Prometheus builds its own block from the samples as OpenMetrics text.
    // NaN is left out: Go's NaN has different bits from JavaScript's.
    const nodeOnly = raw.filter((s) => !Number.isNaN(s.values[0]!) && s.values.every((v) => !Number.isNaN(v)));
    let text = "";
    for (const s of nodeOnly) {
      const name = s.labels.find((l) => l.name === "__name__")!.value;
      const rest = s.labels.filter((l) => l.name !== "__name__").map((l) => `${l.name}="${l.value}"`).join(",");
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i]!;
        const vs = Object.is(v, -0) ? "-0" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);
        text += `${name}{${rest}} ${vs} ${s.timestamps[i]! / 1000}\n`;
      }
    }
    const om = join(root, "samples.om");
    writeFileSync(om, text + "# EOF\n");
    const promDir = join(root, "prometheus-built");
    execFileSync(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", om, promDir], { stdio: "ignore" });
    const blocks = readdirSync(promDir).filter((d) => existsSync(join(promDir, d, "index")));
    expect(blocks.length).toBe(1);
    const theirs = join(promDir, blocks[0]!);

    const ours = await writeBlockToMemory(toBlockSeries(nodeOnly), { minTime: T0, maxTime: T0 + H2, externalLabels: {} });
    expect(Buffer.compare(Buffer.from(ours.data.get("index")!), readFileSync(join(theirs, "index")))).toBe(0);
    expect(Buffer.compare(Buffer.from(ours.data.get("chunks/000001")!), readFileSync(join(theirs, "chunks", "000001")))).toBe(0);
    const meta = JSON.parse(readFileSync(join(theirs, "meta.json"), "utf8")) as { stats: unknown; minTime: number; maxTime: number };
    expect(ours.meta.stats).toMatchObject(meta.stats as object);

    // And our reader reads Prometheus's block (no thanos section, sizes unknown).
    const block = await BlockReader.open({
      async open(path) {
        return new MemoryRangeReader(new Uint8Array(readFileSync(join(theirs, path))));
      },
    });
    expect(block.meta.thanos.labels).toEqual({});
    const got = await block.select([new Matcher("=", "job", "node")], { minTime: T0, maxTime: T0 + H2 });
    expect(got.length).toBe(nodeOnly.length);
    for (let i = 0; i < got.length; i++) {
      expect(got[i]!.labels).toEqual(nodeOnly[i]!.labels);
      const ts = new Float64Array(480);
      const vs = new Float64Array(480);
      let n = 0;
      for (const c of got[i]!.chunks) n += decodeXOR(c.data, ts, vs, n);
      expect(n).toBe(480);
      expect(ts).toEqual(nodeOnly[i]!.timestamps);
      expect(vs).toEqual(nodeOnly[i]!.values);
    }
  });
});
