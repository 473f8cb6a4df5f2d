import { describe, expect, it } from "vitest";
import { compareLabels, hashLabels, labelsFromRecord, labelsKey, setLabel } from "./labels";

describe("labels", () => {
  it("sorts and drops empty values", () => {
    expect(labelsFromRecord({ b: "2", a: "1", c: "" })).toEqual([
      { name: "a", value: "1" },
      { name: "b", value: "2" },
    ]);
  });
  it("keys differ when a value moves between labels", () => {
    expect(labelsKey(labelsFromRecord({ a: "bc" }))).not.toBe(labelsKey(labelsFromRecord({ ab: "c" })));
  });
  it("hash is stable and spreads", () => {
    const a = hashLabels(labelsFromRecord({ __name__: "up", job: "x" }));
    expect(a).toBe(hashLabels(labelsFromRecord({ job: "x", __name__: "up" })));
    expect(a).not.toBe(hashLabels(labelsFromRecord({ __name__: "up", job: "y" })));
    expect(hashLabels(labelsFromRecord({ a: "bc" }))).not.toBe(hashLabels(labelsFromRecord({ ab: "c" })));
    // Shards are the hash modulo their count: node-exporter-like series must spread evenly.
    for (const shards of [3, 4, 16]) {
      const perShard = new Array<number>(shards).fill(0);
      for (let host = 0; host < 100; host++) {
        for (let cpu = 0; cpu < 20; cpu++) {
          for (const mode of ["idle", "user", "system", "iowait", "irq"]) {
            const l = labelsFromRecord({ __name__: "node_cpu_seconds_total", instance: `host-${host}:9100`, cpu: String(cpu), mode });
            perShard[hashLabels(l) % shards]!++;
          }
        }
      }
      const even = 10_000 / shards;
      for (const n of perShard) expect(Math.abs(n - even) / even).toBeLessThan(0.1);
    }
  });
  it("compares like Prometheus", () => {
    expect(compareLabels(labelsFromRecord({ a: "1" }), labelsFromRecord({ a: "1", b: "1" }))).toBeLessThan(0);
    expect(compareLabels(labelsFromRecord({ a: "2" }), labelsFromRecord({ a: "1", b: "1" }))).toBeGreaterThan(0);
  });
  it("sets and removes a label in order", () => {
    const l = labelsFromRecord({ a: "1", c: "3" });
    expect(setLabel(l, "b", "2").map((x) => x.name)).toEqual(["a", "b", "c"]);
    expect(setLabel(l, "a", "").map((x) => x.name)).toEqual(["c"]);
    expect(setLabel(l, "d", "4").map((x) => x.name)).toEqual(["a", "c", "d"]);
  });
});
