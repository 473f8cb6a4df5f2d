/**
 * bench:ingest reads the Worker's isolate through wrangler's inspector:
 * --profile samples it, and every run reads its live bytes before and
 * after. Both must see the write path's work and leave the server working.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeV2, NodeExporterGenerator } from "../../bench/gen";
import { startCpuProfile, summarizeProfile } from "../../bench/cpu-profile";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { heapSummary, isolateHeap, liveBytes } from "../../bench/isolate-heap";
import { pushRemoteWrite } from "../support/push";
import { startWranglerDev, type WranglerDev } from "../support/wrangler";

describe("the Worker's isolate under wrangler dev, through its inspector", () => {
  let gateway: WranglerDev | undefined;

  beforeAll(async () => {
    gateway = await startWranglerDev();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("attributes remote_write handling to the push handler", async () => {
    const bodies = new NodeExporterGenerator({ seed: 5, targets: 11 }).batches(30, 500).map((b) => encodeV2(b));
    const profiler = await startCpuProfile(gateway!.inspectorUrl);
    for (const body of bodies) {
      const res = await pushRemoteWrite(`${gateway!.url}/api/v1/push`, body, { protocol: "v2", tenant: "profiled" });
      expect(res.status).toBe(204);
    }
    const profile = await profiler.stop();
    expect(profile.samples.length).toBeGreaterThan(0);
    const summary = summarizeProfile(profile, 200);
    const handler = summary.inclusive.find((f) => f.name.startsWith("handlePush "));
    expect(handler, summary.inclusive.map((f) => f.name).join(", ")).toBeDefined();
    expect(handler!.share).toBeGreaterThan(0);

    // The inspector session is gone; the Worker still serves.
    const after = await pushRemoteWrite(`${gateway!.url}/api/v1/push`, bodies[0]!, { protocol: "v2", tenant: "profiled" });
    expect(after.status).toBe(204);
  });

  it("reads the isolate's live bytes, which grow by what a new tenant's series hold", async () => {
    const before = await isolateHeap(gateway!.inspectorUrl);
    expect(before.heapBytes).toBeGreaterThan(0);
    // About 1,000 new series, 5 samples each.
    const bodies = new NodeExporterGenerator({ seed: 9, targets: 11 }).batches(10, 500).map((b) => encodeV2(b));
    for (const body of bodies) {
      const res = await pushRemoteWrite(`${gateway!.url}/api/v1/push`, body, { protocol: "v2", tenant: "weighed" });
      expect(res.status).toBe(204);
    }
    const dir = mkdtempSync(join(tmpdir(), "heap-"));
    const file = join(dir, "after.heapsnapshot");
    const after = await isolateHeap(gateway!.inspectorUrl, file);
    const grown = liveBytes(after) - liveBytes(before);
    // The kept snapshot names the head's objects: one MemSeries per series of both tenants.
    const kinds = heapSummary(readFileSync(file, "utf8"), 1000);
    rmSync(dir, { recursive: true });
    const memSeries = kinds.find((k) => k.kind === "object MemSeries");
    expect(memSeries, kinds.slice(0, 20).map((k) => k.kind).join(", ")).toBeDefined();
    expect(memSeries!.count).toBeGreaterThanOrEqual(1000);
    expect(memSeries!.bytes).toBeGreaterThanOrEqual(memSeries!.count * 16);
    // Labels, index entries and an open chunk each: hundreds of bytes per series, not nothing, not megabytes.
    expect(grown).toBeGreaterThan(1000 * 200);
    expect(grown).toBeLessThan(64 << 20);
    const res = await pushRemoteWrite(`${gateway!.url}/api/v1/push`, bodies[0]!, { protocol: "v2", tenant: "weighed" });
    expect(res.status).toBe(204);
  });
});
