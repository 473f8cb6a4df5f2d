import { describe, expect, it } from "vitest";
import type { HeadStatus } from "../ingester/protocol";
import { mergeHeadStatus, tsdbStatusJson } from "./tsdb-status";

const shardA: HeadStatus = {
  numSeries: 3,
  chunkCount: 5,
  minTime: 1000,
  maxTime: 9000,
  labels: [
    { name: "__name__", values: ["up", "http_requests_total"], counts: [1, 2] },
    { name: "job", values: ["api"], counts: [3] },
    { name: "path", values: ["/a", "/b"], counts: [1, 1] },
  ],
};
const shardB: HeadStatus = {
  numSeries: 2,
  chunkCount: 2,
  minTime: 500,
  maxTime: 7000,
  labels: [
    { name: "__name__", values: ["http_requests_total"], counts: [2] },
    { name: "job", values: ["api"], counts: [2] },
    // A value also in shard A counts once for the name's values and bytes.
    { name: "path", values: ["/b", "/ü"], counts: [1, 1] },
  ],
};
const empty: HeadStatus = { numSeries: 0, chunkCount: 0, minTime: null, maxTime: null, labels: [] };

describe("mergeHeadStatus", () => {
  it("adds series counts across shards and unites label values", () => {
    const s = mergeHeadStatus([shardA, shardB, empty], 10);
    expect(s.headStats).toEqual({ numSeries: 5, numLabelPairs: 6, chunkCount: 7, minTime: 500, maxTime: 9000 });
    expect(s.seriesCountByMetricName).toEqual([
      { name: "http_requests_total", value: 4 },
      { name: "up", value: 1 },
    ]);
    expect(s.labelValueCountByLabelName).toEqual([
      { name: "path", value: 3 },
      { name: "__name__", value: 2 },
      { name: "job", value: 1 },
    ]);
    // "/a" + "/b" + "/ü" (ü is two bytes in UTF-8).
    expect(s.memoryInBytesByLabelName).toEqual([
      { name: "__name__", value: 21 },
      { name: "path", value: 7 },
      { name: "job", value: 3 },
    ]);
    expect(s.seriesCountByLabelValuePair.slice(0, 3)).toEqual([
      { name: "job=api", value: 5 },
      { name: "__name__=http_requests_total", value: 4 },
      { name: "path=/b", value: 2 },
    ]);
  });

  it("keeps the `limit` largest entries of each list", () => {
    const s = mergeHeadStatus([shardA, shardB], 1);
    expect(s.seriesCountByMetricName).toEqual([{ name: "http_requests_total", value: 4 }]);
    expect(s.labelValueCountByLabelName).toHaveLength(1);
    expect(s.memoryInBytesByLabelName).toHaveLength(1);
    expect(s.seriesCountByLabelValuePair).toEqual([{ name: "job=api", value: 5 }]);
  });
});

describe("tsdbStatusJson", () => {
  it("writes Prometheus's field order, and an empty head's times as the int64 extremes", () => {
    const text = tsdbStatusJson(mergeHeadStatus([empty], 10));
    expect(text).toBe(
      '{"headStats":{"numSeries":0,"numLabelPairs":0,"chunkCount":0,"minTime":9223372036854775807,"maxTime":-9223372036854775808},' +
        '"seriesCountByMetricName":[],"labelValueCountByLabelName":[],"memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}',
    );
    const full = JSON.parse(tsdbStatusJson(mergeHeadStatus([shardA], 10))) as { headStats: Record<string, number> };
    expect(full.headStats).toEqual({ numSeries: 3, numLabelPairs: 5, chunkCount: 5, minTime: 1000, maxTime: 9000 });
  });
});
