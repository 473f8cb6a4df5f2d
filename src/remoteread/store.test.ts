import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import { storeMayMatch, withExternalLabels } from "./store";

describe("storeMayMatch", () => {
  const ext = { site: "eu", env: "prod" };
  it("skips stores whose external labels contradict a matcher", () => {
    expect(storeMayMatch(ext, [{ type: "=", name: "site", value: "us" }])).toBe(false);
    expect(storeMayMatch(ext, [{ type: "!=", name: "env", value: "prod" }])).toBe(false);
    expect(storeMayMatch(ext, [{ type: "=~", name: "site", value: "us|ap" }])).toBe(false);
  });
  it("asks stores that may hold matching series", () => {
    expect(storeMayMatch(ext, [{ type: "=", name: "site", value: "eu" }, { type: "=", name: "job", value: "x" }])).toBe(true);
    expect(storeMayMatch(ext, [{ type: "=~", name: "site", value: "e.*" }])).toBe(true);
    expect(storeMayMatch({}, [{ type: "=", name: "site", value: "us" }])).toBe(true);
  });
});

describe("withExternalLabels", () => {
  it("adds missing labels in sorted position and keeps a series' own value", () => {
    const a = { labels: labelsFromRecord({ __name__: "up", zone: "1" }), timestamps: Float64Array.of(1), values: Float64Array.of(2) };
    const b = { labels: labelsFromRecord({ __name__: "up", site: "own" }), timestamps: Float64Array.of(1), values: Float64Array.of(2) };
    const [ra, rb] = withExternalLabels([a, b], { site: "eu" });
    expect(ra!.labels).toEqual(labelsFromRecord({ __name__: "up", site: "eu", zone: "1" }));
    expect(ra!.timestamps).toBe(a.timestamps);
    expect(rb).toBe(b);
  });
});
