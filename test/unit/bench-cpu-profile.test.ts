import { describe, expect, it } from "vitest";
import { formatProfileSummary, summarizeProfile, type CpuProfile } from "../../bench/cpu-profile";

const frame = (functionName: string, lineNumber = 0, url = "index.js") => ({ functionName, url, lineNumber });

/** root → handle → { decode, decode → decode (recursion) }, root → (garbage collector). */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)", -1, ""), children: [2, 5] },
    { id: 2, callFrame: frame("handle", 9), children: [3, 4] },
    { id: 3, callFrame: frame("decode", 19) },
    { id: 4, callFrame: frame("decode", 19), children: [6] },
    { id: 5, callFrame: frame("(garbage collector)", -1, "") },
    { id: 6, callFrame: frame("decode", 19) },
  ],
  // handle 1, decode 2 + 2 (one of them recursive), GC 1: 6 samples.
  samples: [2, 3, 3, 4, 6, 5],
  startTime: 1_000_000,
  endTime: 3_500_000,
};

describe("CPU profile summary", () => {
  it("counts self time per function and inclusive time once per sample, recursion included", () => {
    const s = summarizeProfile(PROFILE, 10);
    expect(s.seconds).toBeCloseTo(2.5);
    const self = Object.fromEntries(s.self.map((x) => [x.name, x.share]));
    expect(self["decode index.js:20"]).toBeCloseTo(4 / 6);
    expect(self["handle index.js:10"]).toBeCloseTo(1 / 6);
    expect(self["(garbage collector)"]).toBeCloseTo(1 / 6);
    const incl = Object.fromEntries(s.inclusive.map((x) => [x.name, x.share]));
    expect(incl["handle index.js:10"]).toBeCloseTo(5 / 6);
    // The recursive sample counts decode once, not twice.
    expect(incl["decode index.js:20"]).toBeCloseTo(4 / 6);
    expect(incl["(root)"]).toBeUndefined();
    expect(s.self[0]!.name).toBe("decode index.js:20");
  });

  it("keeps only the top entries and prints them as percentages", () => {
    const s = summarizeProfile(PROFILE, 1);
    expect(s.self).toHaveLength(1);
    expect(s.inclusive).toHaveLength(1);
    const text = formatProfileSummary(s);
    expect(text).toContain("2.5 s");
    expect(text).toMatch(/66\.7 +decode index\.js:20/);
    expect(text).toMatch(/83\.3 +handle index\.js:10/);
  });
});
