import { describe, expect, it } from "vitest";
import { labelsFromRecord, labelsToRecord } from "../model/labels";
import { Matcher } from "../model/matchers";
import { MemoryStorage } from "../storage/memory";
import { DedupQuerier, dedupRequestFromParams, replicaLabelsFor, withDedup } from "./dedup-querier";

const HINTS = { start: 0, end: 100_000 };

function replicated(): MemoryStorage {
  const m = new MemoryStorage();
  for (const job of ["a", "b", "c"]) {
    m.append(labelsFromRecord({ __name__: "up", job, replica: "r1" }), [1000, 2000], [1, 1]);
    m.append(labelsFromRecord({ __name__: "up", job, replica: "r2" }), [1500, 2500], [2, 2]);
  }
  return m;
}

describe("DedupQuerier", () => {
  it("applies a series limit after collapsing replicas", async () => {
    const q = new DedupQuerier(replicated(), ["replica"]);
    const got = await q.select([new Matcher("=", "__name__", "up")], { ...HINTS, limit: 2 });
    // Limiting the inner select to 2 would have returned a's two replicas only.
    expect(got.map((s) => labelsToRecord(s.labels))).toEqual([
      { __name__: "up", job: "a" },
      { __name__: "up", job: "b" },
    ]);
  });

  it("hides replica labels from label names and values", async () => {
    const q = new DedupQuerier(replicated(), ["replica"]);
    expect(await q.labelNames([], { ...HINTS, limit: 2 })).toEqual(["__name__", "job"]);
    expect(await q.labelValues("replica", [], HINTS)).toEqual([]);
    expect(await q.labelValues("job", [], HINTS)).toEqual(["a", "b", "c"]);
  });

  it("is left out when there is nothing to deduplicate on", () => {
    const inner = replicated();
    expect(withDedup(inner, [])).toBe(inner);
  });
});

describe("request parameters", () => {
  const tenant = { query_replica_labels: ["replica"] };
  it("default to the tenant's labels and can turn dedup off or replace the labels", () => {
    expect(replicaLabelsFor(tenant, dedupRequestFromParams(new URLSearchParams("")))).toEqual(["replica"]);
    expect(replicaLabelsFor(tenant, dedupRequestFromParams(new URLSearchParams("dedup=false")))).toEqual([]);
    expect(replicaLabelsFor(tenant, dedupRequestFromParams(new URLSearchParams("dedup=0")))).toEqual([]);
    expect(replicaLabelsFor(tenant, dedupRequestFromParams(new URLSearchParams("dedup=true")))).toEqual(["replica"]);
    expect(
      replicaLabelsFor(tenant, dedupRequestFromParams(new URLSearchParams("replicaLabels[]=a&replicaLabels[]=b"))),
    ).toEqual(["a", "b"]);
    expect(replicaLabelsFor({ query_replica_labels: [] }, {})).toEqual([]);
  });
});
