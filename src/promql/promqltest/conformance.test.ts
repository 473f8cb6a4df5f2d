/**
 * Keeps Prometheus's conformance scripts passing: every case of each listed
 * file must pass except the lines recorded as known failures (each with its
 * reason in docs/promql-conformance.md). A known failure that starts passing
 * fails this test too, so the baseline stays exact.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "./runner";
import { CONFORMANCE_BASELINE } from "./baseline";

const dir = new URL("../../../../shared/promqltest/", import.meta.url);

describe("PromQL conformance scripts", () => {
  for (const [file, knownFailures] of Object.entries(CONFORMANCE_BASELINE)) {
    it(file, async () => {
      const results = await runScript(readFileSync(new URL(file, dir), "utf8"));
      const failing = results.filter((r) => !r.passed);
      const unexpected = failing.filter((r) => !knownFailures.includes(r.line)).map((r) => `line ${r.line}: ${r.expr}: ${r.error}`);
      expect(unexpected).toEqual([]);
      expect(failing.map((r) => r.line)).toEqual(knownFailures);
    });
  }
});
