import { describe, expect, it } from "vitest";
import { TIME_FUNCTIONS } from "./time";

/** Date.UTC without its mapping of years 0–99 to 1900–1999. */
function utc(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

const f = (name: string, s: number) => TIME_FUNCTIONS.get(name)!(s);

describe("TIME_FUNCTIONS", () => {
  it("decomposes 2006-01-02T22:04:05Z (a Monday)", () => {
    const t = 1136239445;
    expect(f("year", t)).toBe(2006);
    expect(f("month", t)).toBe(1);
    expect(f("day_of_month", t)).toBe(2);
    expect(f("day_of_year", t)).toBe(2);
    expect(f("day_of_week", t)).toBe(1);
    expect(f("hour", t)).toBe(22);
    expect(f("minute", t)).toBe(4);
    expect(f("days_in_month", t)).toBe(31);
  });

  it("knows leap years", () => {
    const feb29of2016 = 1456790399; // 2016-02-29T23:59:59Z
    expect(f("days_in_month", feb29of2016)).toBe(29);
    expect(f("day_of_year", feb29of2016)).toBe(60);
    expect(f("days_in_month", 951782400)).toBe(29); // 2000-02-29: divisible by 400
    expect(f("days_in_month", -2206310400)).toBe(28); // 1900-02-01: divisible by 100 only
    expect(f("day_of_year", 1483228799)).toBe(366); // 2016-12-31T23:59:59Z
  });

  it("truncates toward zero before the epoch", () => {
    // -1.5 → -1 s → 1969-12-31T23:59:59Z, a Wednesday.
    for (const s of [-1, -1.5]) {
      expect(f("year", s)).toBe(1969);
      expect(f("day_of_year", s)).toBe(365);
      expect(f("day_of_week", s)).toBe(3);
      expect(f("hour", s)).toBe(23);
      expect(f("minute", s)).toBe(59);
    }
    expect(f("minute", 59.9)).toBe(0);
  });

  it("gives NaN for non-finite input", () => {
    for (const name of TIME_FUNCTIONS.keys()) {
      expect(f(name, NaN), name).toBeNaN();
      expect(f(name, Infinity), name).toBeNaN();
      expect(f(name, -Infinity), name).toBeNaN();
    }
  });

  it("agrees with Date across a wide range", () => {
    // Deterministic pseudo-random seconds over ±10000 years.
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const s = Math.trunc((x / 2147483648 - 0.5) * 2 * 315_569_520_000);
      const d = new Date(s * 1000);
      const startOfYear = utc(d.getUTCFullYear(), 0, 1);
      expect(f("year", s)).toBe(d.getUTCFullYear());
      expect(f("month", s)).toBe(d.getUTCMonth() + 1);
      expect(f("day_of_month", s)).toBe(d.getUTCDate());
      expect(f("day_of_week", s)).toBe(d.getUTCDay());
      expect(f("hour", s)).toBe(d.getUTCHours());
      expect(f("minute", s)).toBe(d.getUTCMinutes());
      expect(f("day_of_year", s)).toBe(Math.floor((d.getTime() - startOfYear) / 86_400_000) + 1);
      expect(f("days_in_month", s)).toBe(new Date(utc(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate());
    }
  });
});
