import { describe, expect, it } from "vitest";
import { bucketFraction, bucketQuantile } from "./histogram";

const b = (...pairs: [number, number][]) => pairs.map(([upperBound, count]) => ({ upperBound, count }));

describe("bucketQuantile", () => {
  const h = b([1, 10], [2, 20], [Infinity, 20]);

  it("interpolates inside the bucket holding the rank", () => {
    // q=0.5: rank 10 is reached in le=1, assumed to start at 0.
    expect(bucketQuantile(0.5, h).value).toBe(1);
    expect(bucketQuantile(0.25, h).value).toBe(0.5);
    // q=0.75: rank 15, 5 of the 10 observations in (1, 2].
    expect(bucketQuantile(0.75, h).value).toBe(1.5);
    expect(bucketQuantile(1, h).value).toBe(2);
    expect(bucketQuantile(0, h).value).toBe(0);
  });

  it("returns the highest finite bound when the rank is in the +Inf bucket", () => {
    expect(bucketQuantile(0.9, b([1, 10], [Infinity, 20])).value).toBe(1);
  });

  it("returns the first upper bound when it is not positive", () => {
    expect(bucketQuantile(0.2, b([-1, 5], [1, 10], [Infinity, 10])).value).toBe(-1);
  });

  it("needs a +Inf bucket, two buckets and observations", () => {
    expect(bucketQuantile(0.5, b([1, 10], [2, 20])).value).toBeNaN();
    expect(bucketQuantile(0.5, b([Infinity, 20])).value).toBeNaN();
    expect(bucketQuantile(0.5, b([1, 0], [Infinity, 0])).value).toBeNaN();
    expect(bucketQuantile(0.5, []).value).toBeNaN();
  });

  it("maps out-of-range φ to ±Inf and NaN φ to NaN", () => {
    expect(bucketQuantile(-0.1, h).value).toBe(-Infinity);
    expect(bucketQuantile(1.1, h).value).toBe(Infinity);
    expect(bucketQuantile(NaN, h).value).toBeNaN();
  });

  it("sorts by bound and merges duplicate bounds", () => {
    // le=1 appears twice (e.g. "1" and "1.0"): counts 3+2 = 5.
    const r = bucketQuantile(0.25, b([Infinity, 10], [1, 3], [1, 2]));
    expect(r.value).toBe(0.5);
    expect(r.forcedMonotonic).toBe(false);
  });

  it("forces decreasing cumulative counts up and reports it", () => {
    const input = b([1, 10], [2, 8], [Infinity, 12]);
    const r = bucketQuantile(0.5, input);
    // le=2 raised to 10; rank 6 within le=1.
    expect(r.value).toBe(0.6);
    expect(r.forcedMonotonic).toBe(true);
    expect(r.minBucket).toBe(2);
    expect(r.maxBucket).toBe(2);
    expect(r.maxDiff).toBe(2);
    expect(input[1]!.count).toBe(8); // the caller's buckets are not modified
  });

  it("flattens differences within the float tolerance without calling it a fix", () => {
    // le=2 differs from le=1 by 1e-14 relative: treated as empty, so the
    // rank at 10 stays in le=1 instead of interpolating into (1, 2].
    const r = bucketQuantile(1, b([1, 10], [2, 10 + 1e-13], [Infinity, 10 + 1e-13]));
    expect(r.fixedPrecision).toBe(true);
    expect(r.forcedMonotonic).toBe(false);
    expect(r.value).toBe(1);
  });
});

describe("bucketFraction", () => {
  const h = b([1, 10], [2, 20], [Infinity, 20]);

  it("counts whole and interpolated buckets", () => {
    expect(bucketFraction(0, 1, h)).toBe(0.5);
    // 5 from (0.5, 1] plus 5 from (1, 1.5], of 20.
    expect(bucketFraction(0.5, 1.5, h)).toBe(0.5);
    expect(bucketFraction(-Infinity, Infinity, h)).toBe(1);
    expect(bucketFraction(2, Infinity, h)).toBe(0);
  });

  it("has the NaN and empty cases", () => {
    expect(bucketFraction(1, 0, h)).toBe(0);
    expect(bucketFraction(NaN, 1, h)).toBeNaN();
    expect(bucketFraction(0, 1, b([1, 10]))).toBeNaN();
    expect(bucketFraction(0, 1, b([1, 0], [Infinity, 0]))).toBeNaN();
  });
});
