import { describe, expect, it } from "vitest";
import { encodeV1, encodeV2, metadataOf, NodeExporterGenerator } from "../../bench/gen";
import { decodeWriteRequestV1 } from "../../src/write/rw1";
import { decodeWriteRequestV2 } from "../../src/write/rw2";
import { decodeSnappy } from "../../src/write/snappy";
import { DEFAULT_LIMITS, LabelChecker, validateSeries } from "../../src/write/validate";

describe("bench generator", () => {
  it("produces ~2,000-sample requests that decode and validate cleanly in both protocols", () => {
    const g = new NodeExporterGenerator({ seed: 3 });
    const [batch] = g.batches(1);
    expect(batch!.length).toBe(2000);
    const now = batch![0]!.samples[0]!.timestamp;
    for (const req of [
      decodeWriteRequestV1(decodeSnappy(encodeV1(batch!, { metadata: metadataOf(batch!) }), 1 << 24)),
      decodeWriteRequestV2(decodeSnappy(encodeV2(batch!), 1 << 24)),
    ]) {
      expect(req.series.length).toBe(2000);
      expect(req.values.length).toBe(2000);
      expect(req.metadata.map((m) => m.metricFamilyName)).toContain("node_cpu_seconds_total");
      const checker = new LabelChecker(req.symbols.strings, DEFAULT_LIMITS);
      for (const s of req.series) {
        expect(s.refsEnd - s.refsStart).toBeGreaterThanOrEqual(2 * 8);
        expect(s.refsEnd - s.refsStart).toBeLessThanOrEqual(2 * 11);
        expect(validateSeries(req, s, DEFAULT_LIMITS, now, checker).ok).toBe(true);
      }
    }
  });

  it("keeps counters monotonic and advances time by the scrape interval", () => {
    const g = new NodeExporterGenerator({ targets: 2, intervalMs: 15_000 });
    const a = g.scrape();
    const b = g.scrape();
    for (let i = 0; i < a.length; i++) {
      expect(b[i]!.samples[0]!.timestamp - a[i]!.samples[0]!.timestamp).toBe(15_000);
      if (a[i]!.metadata.type === "counter") expect(b[i]!.samples[0]!.value).toBeGreaterThan(a[i]!.samples[0]!.value);
    }
  });

  it("is deterministic for a seed", () => {
    const x = new NodeExporterGenerator({ seed: 9, targets: 1 }).scrape();
    const y = new NodeExporterGenerator({ seed: 9, targets: 1 }).scrape();
    expect(x).toEqual(y);
  });
});
