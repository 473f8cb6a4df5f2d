import { describe, expect, it } from "vitest";
import { allowIngestion } from "./rate-limit";

describe("ingestion rate limit", () => {
  it("allows the burst, then refills at the rate", () => {
    const limit = { rate: 100, burst: 200 };
    expect(allowIngestion("rl-a", 150, limit, 0)).toBe(true);
    expect(allowIngestion("rl-a", 100, limit, 0)).toBe(false);
    expect(allowIngestion("rl-a", 100, limit, 500)).toBe(true); // 50 left + 50 refilled
    expect(allowIngestion("rl-a", 1, limit, 500)).toBe(false);
  });
  it("lets one oversized request through a full bucket", () => {
    expect(allowIngestion("rl-b", 1000, { rate: 10, burst: 20 }, 0)).toBe(true);
    expect(allowIngestion("rl-b", 1, { rate: 10, burst: 20 }, 0)).toBe(false);
  });
  it("is off with a zero rate", () => {
    expect(allowIngestion("rl-c", 1e9, { rate: 0, burst: 0 }, 0)).toBe(true);
  });
  it("keeps tenants apart", () => {
    const limit = { rate: 1, burst: 10 };
    expect(allowIngestion("rl-d", 10, limit, 0)).toBe(true);
    expect(allowIngestion("rl-e", 10, limit, 0)).toBe(true);
  });
});
