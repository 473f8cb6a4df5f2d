import { describe, expect, it } from "vitest";
import { labelsFromRecord, labelsToRecord } from "../model/labels";
import { Matcher } from "../model/matchers";
import { MemoryStorage } from "../storage/memory";
import type { Querier } from "../storage/storage";
import { FederatedQuerier, federationRefusal, withTenantLabel } from "./federated-querier";

function store(series: Record<string, string>[]): MemoryStorage {
  const m = new MemoryStorage();
  for (const s of series) m.append(labelsFromRecord(s), [1000], [1]);
  return m;
}

const HINTS = { start: 0, end: 10_000 };

function federation(): { q: FederatedQuerier; warningsA: string[] } {
  const warningsA: string[] = [];
  const a = store([{ __name__: "up", job: "x" }]);
  const b = store([{ __name__: "up", job: "y" }, { __name__: "odd", __tenant_id__: "own" }]);
  // Tenant a's querier reports a warning while answering, as a failed optional store would.
  const noisyA: Querier = {
    select: async (m, h) => {
      warningsA.push("store \"edge\" failed: timeout");
      return a.select(m, h);
    },
    labelNames: (m, h) => a.labelNames(m, h),
    labelValues: (n, m, h) => a.labelValues(n, m, h),
  };
  const q = new FederatedQuerier([
    { id: "a", querier: noisyA, warnings: warningsA },
    { id: "b", querier: b, warnings: [] },
  ]);
  return { q, warningsA };
}

describe("FederatedQuerier", () => {
  it("labels series by tenant and keeps their order", async () => {
    const { q } = federation();
    const got = await q.select([new Matcher("=", "__name__", "up")], HINTS);
    expect(got.map((s) => labelsToRecord(s.labels))).toEqual([
      { __name__: "up", __tenant_id__: "a", job: "x" },
      { __name__: "up", __tenant_id__: "b", job: "y" },
    ]);
  });

  it("routes by __tenant_id__ matchers without passing them on", async () => {
    const { q } = federation();
    const got = await q.select([new Matcher("=", "__name__", "up"), new Matcher("!=", "__tenant_id__", "a")], HINTS);
    expect(got.map((s) => labelsToRecord(s.labels).__tenant_id__)).toEqual(["b"]);
    // The series' own __tenant_id__ is not what the matcher looks at.
    const own = await q.select([new Matcher("=", "__name__", "odd"), new Matcher("=", "__tenant_id__", "b")], HINTS);
    expect(own.map((s) => labelsToRecord(s.labels))).toEqual([
      { __name__: "odd", __tenant_id__: "b", original___tenant_id__: "own" },
    ]);
  });

  it("answers label names and values with the tenant label", async () => {
    const { q } = federation();
    expect(await q.labelNames([], HINTS)).toEqual(["__name__", "__tenant_id__", "job", "original___tenant_id__"]);
    expect(await q.labelValues("__tenant_id__", [new Matcher("=~", "__tenant_id__", "a|c")], HINTS)).toEqual(["a"]);
    expect(await q.labelValues("original___tenant_id__", [], HINTS)).toEqual(["own"]);
    expect(await q.labelValues("job", [], { ...HINTS, limit: 1 })).toEqual(["x"]);
  });

  it("moves tenant querier warnings into its own list, naming the tenant", async () => {
    const { q, warningsA } = federation();
    await q.select([new Matcher("=", "__name__", "up")], HINTS);
    expect(q.warnings).toEqual(['tenant "a": store "edge" failed: timeout']);
    expect(warningsA).toEqual([]);
  });
});

describe("withTenantLabel", () => {
  it("inserts the label in order", () => {
    expect(labelsToRecord(withTenantLabel(labelsFromRecord({ __name__: "m", a: "1" }), "t"))).toEqual({
      __name__: "m",
      __tenant_id__: "t",
      a: "1",
    });
    expect(withTenantLabel(labelsFromRecord({ __name__: "m", a: "1" }), "t").map((l) => l.name)).toEqual([
      "__name__",
      "__tenant_id__",
      "a",
    ]);
  });
});

describe("federationRefusal", () => {
  const limits = (on: string[]) => async (t: string) => ({ tenant_federation_enabled: on.includes(t) });
  it("allows one tenant whatever its setting, and several only when all opted in", async () => {
    expect(await federationRefusal(["a"], limits([]))).toBeUndefined();
    expect(await federationRefusal(["a", "b"], limits(["a", "b"]))).toBeUndefined();
    expect(await federationRefusal(["a", "b", "c"], limits(["b"]))).toBe(
      'multiple org IDs present: tenant federation is not enabled for "a", "c"',
    );
  });
});
