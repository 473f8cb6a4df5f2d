import { describe, expect, it } from "vitest";
import { kahanSumInc, kahanTotal, newKahanState } from "./kahan";

describe("kahanSumInc", () => {
  it("recovers low-order bits a plain sum drops", () => {
    const s = newKahanState();
    // 0.1 ten times: plain summation gives 0.9999999999999999.
    for (let i = 0; i < 10; i++) kahanSumInc(0.1, s);
    expect(kahanTotal(s)).toBe(1);
  });

  it("handles an increment larger than the running sum (Neumaier)", () => {
    const s = newKahanState();
    for (const v of [1, 1e100, 1, -1e100]) kahanSumInc(v, s);
    expect(kahanTotal(s)).toBe(2);
  });

  it("drops the compensation once the sum overflows", () => {
    const s = newKahanState();
    kahanSumInc(Number.MAX_VALUE, s);
    kahanSumInc(Number.MAX_VALUE, s);
    expect(s[0]).toBe(Infinity);
    expect(s[1]).toBe(0);
  });
});
