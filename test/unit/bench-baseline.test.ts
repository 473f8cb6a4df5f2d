import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkoutBaseline, pairedRatio } from "../../bench/baseline";
import { REPO_ROOT } from "../support/paths";

describe("bench baseline", () => {
  it("takes the median of per-turn ratios", () => {
    expect(pairedRatio([2, 3, 10], [1, 1, 2])).toBe(3);
    expect(pairedRatio([2, 4], [1, 1])).toBe(3);
    // One drifting turn moves a paired median less than it moves either side's own median.
    expect(pairedRatio([100, 70, 130], [100, 70, 125])).toBeCloseTo(1);
    expect(pairedRatio([1, undefined], [1, 1])).toBeUndefined();
    expect(pairedRatio([1], [0])).toBeUndefined();
    expect(pairedRatio([], [])).toBeUndefined();
  });

  it("checks a revision out beside the tree with its own config and this tree's packages, and removes it", () => {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const b = checkoutBaseline("HEAD");
    const tree = dirname(b.config);
    try {
      expect(b.commit).toBe(head);
      expect(readFileSync(b.config, "utf8")).toBe(execFileSync("git", ["show", "HEAD:wrangler.toml"], { cwd: REPO_ROOT, encoding: "utf8" }));
      expect(existsSync(join(tree, "node_modules", "wrangler", "package.json"))).toBe(true);
      expect(execFileSync("git", ["worktree", "list"], { cwd: REPO_ROOT, encoding: "utf8" })).toContain(tree);
    } finally {
      b.remove();
    }
    expect(existsSync(tree)).toBe(false);
    expect(execFileSync("git", ["worktree", "list"], { cwd: REPO_ROOT, encoding: "utf8" })).not.toContain(tree);
    expect(() => checkoutBaseline("no-such-revision-anywhere")).toThrow();
  });
});
