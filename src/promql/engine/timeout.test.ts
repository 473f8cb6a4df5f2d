import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import { MemoryStorage } from "../../storage/memory";
import { Engine } from "./engine";
import { QueryError } from "./types";

describe("query timeout", () => {
  it("stops a long evaluation with a timeout error instead of running on", async () => {
    const s = new MemoryStorage();
    const n = 1440;
    for (let j = 0; j < 500; j++) {
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        ts[i] = i * 15_000;
        vs[i] = i * j;
      }
      s.append(labelsFromRecord({ __name__: "c_total", j: String(j) }), ts, vs);
    }
    const query = "sum(rate(c_total[5m])) / count(c_total)";
    // The same query completes without a deadline...
    const ok = await new Engine().rangeQuery(s, query, 0, (n - 1) * 15_000, 15_000);
    expect(ok.value.type).toBe("matrix");
    // ...and with a deadline far shorter than its evaluation it is refused cleanly.
    const err = await new Engine({ timeoutMs: 1 }).rangeQuery(s, query, 0, (n - 1) * 15_000, 15_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).kind).toBe("timeout");
    expect((err as QueryError).message).toBe("query timed out in expression evaluation");
  });
});
