import { describe, expect, it } from "vitest";
import { Annotations } from "./annotations";
import type { RangeContext } from "./context";
import { delta, hasCounterName, idelta, increase, irate, rate } from "./rate";

/** Window (start, end] in seconds; samples as [seconds, value] pairs. */
function run(
  kernel: typeof rate,
  samples: [number, number][],
  startS: number,
  endS: number,
): number | undefined {
  const ts = Float64Array.from(samples.map(([t]) => t * 1000));
  const vs = Float64Array.from(samples.map(([, v]) => v));
  const ctx: RangeContext = {
    rangeStart: startS * 1000,
    rangeEnd: endS * 1000,
    params: [],
    annotations: new Annotations(),
    metricName: "m",
  };
  return kernel(ts, vs, 0, ts.length, ctx);
}

describe("rate / increase / delta", () => {
  it("extrapolates a regular counter to both window edges", () => {
    // Samples every 300s at 300..3000s, values 10..100, window (0, 3000].
    // Raw increase 90 over 2700s; the first sample sits one interval (300s
    // < 1.1*300s) from the start, so extrapolate 300s: 90*3000/2700 = 100.
    const samples: [number, number][] = [];
    for (let i = 1; i <= 10; i++) samples.push([i * 300, i * 10]);
    expect(run(increase, samples, 0, 3000)).toBeCloseTo(100, 12);
    expect(run(rate, samples, 0, 3000)).toBeCloseTo(100 / 3000, 15);
  });

  it("adds the pre-reset value on a counter drop; delta does not", () => {
    // 5, 10, 2, 6 at 10..40s in (0, 50]: increase = (6-5) + 10 = 11 over
    // 30s, extrapolated by 10s at each end (within 1.1*10s): 11*50/30.
    const samples: [number, number][] = [
      [10, 5],
      [20, 10],
      [30, 2],
      [40, 6],
    ];
    expect(run(increase, samples, 0, 50)).toBeCloseTo((11 * 50) / 30, 12);
    expect(run(rate, samples, 0, 50)).toBeCloseTo((11 * 50) / 30 / 50, 12);
    expect(run(delta, samples, 0, 50)).toBeCloseTo((1 * 50) / 30, 12);
  });

  it("extrapolates only half an interval when a sample is at or beyond 1.1x the spacing from the edge", () => {
    // Spacing 10s, threshold 11s. The first sample is exactly 11s after the
    // start: not "close enough", so only 5s is added at the start.
    const samples: [number, number][] = [
      [11, 100],
      [21, 101],
      [31, 102],
    ];
    expect(run(increase, samples, 0, 31)).toBeCloseTo((2 * 25) / 20, 12);
    // Just inside the threshold the full 10.9s are used.
    const inside: [number, number][] = [
      [10.9, 100],
      [20.9, 101],
      [30.9, 102],
    ];
    expect(run(increase, inside, 0, 30.9)).toBeCloseTo((2 * (20 + 10.9)) / 20, 12);
  });

  it("does not extrapolate a counter below zero", () => {
    // 1, 11, 21 at 10..30s: the line hits 0 one second before the first
    // sample, so the start extrapolation is cut from 10s to 1s.
    const samples: [number, number][] = [
      [10, 1],
      [20, 11],
      [30, 21],
    ];
    expect(run(increase, samples, 0, 30)).toBeCloseTo((20 * 21) / 20, 12);
    // delta is not a counter: full 10s.
    expect(run(delta, samples, 0, 30)).toBeCloseTo((20 * 30) / 20, 12);
    // A negative first value disables the clamp.
    const negative: [number, number][] = [
      [10, -1],
      [20, 9],
      [30, 19],
    ];
    expect(run(increase, negative, 0, 30)).toBeCloseTo((20 * 30) / 20, 12);
  });

  it("needs two samples", () => {
    expect(run(rate, [[10, 1]], 0, 30)).toBeUndefined();
    expect(run(delta, [], 0, 30)).toBeUndefined();
  });

  it("propagates NaN and Inf", () => {
    expect(run(increase, [[10, 1], [20, NaN]], 0, 20)).toBeNaN();
    expect(run(delta, [[10, 1], [20, Infinity]], 0, 20)).toBe(Infinity);
  });
});

describe("irate / idelta", () => {
  it("use only the last two samples", () => {
    const samples: [number, number][] = [
      [0, 100],
      [10, 5],
      [20, 8],
    ];
    expect(run(irate, samples, -1, 20)).toBeCloseTo(0.3, 15);
    expect(run(idelta, samples, -1, 20)).toBe(3);
  });

  it("irate reads a drop as a reset from zero; idelta keeps the sign", () => {
    const samples: [number, number][] = [
      [10, 5],
      [20, 2],
    ];
    expect(run(irate, samples, 0, 20)).toBeCloseTo(0.2, 15);
    expect(run(idelta, samples, 0, 20)).toBe(-3);
  });

  it("need two samples", () => {
    expect(run(irate, [[10, 5]], 0, 20)).toBeUndefined();
  });
});

describe("hasCounterName", () => {
  it("accepts the counter suffixes only", () => {
    expect(hasCounterName("http_requests_total")).toBe(true);
    expect(hasCounterName("x_bucket")).toBe(true);
    expect(hasCounterName("temperature")).toBe(false);
  });
});
