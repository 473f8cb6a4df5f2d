import { describe, expect, it } from "vitest";
import { LabelRefBuffer, RequestSymbols } from "./symbols";

describe("RequestSymbols", () => {
  it("finds or adds references for labels changed after decoding", () => {
    const symbols = new RequestSymbols(["", "__name__", "up", "job", "x", "job"]);
    const refs = new Uint32Array(4);
    symbols.writeRefs(
      [
        { name: "__name__", value: "up" },
        { name: "job", value: "y" },
      ],
      refs,
      0,
    );
    // the first of two equal strings, and a new one at the end
    expect(Array.from(refs)).toEqual([1, 2, 3, 6]);
    expect(symbols.strings[6]).toBe("y");
    expect(symbols.add("y")).toBe(7);
    expect(symbols.refOf("y")).toBe(6);
  });

  it("turns references into labels and drops a label by name", () => {
    const symbols = new RequestSymbols(["", "__name__", "up", "replica", "a", "job", "x"]);
    const refs = Uint32Array.of(1, 2, 3, 4, 5, 6);
    expect(symbols.labelsOf(refs)).toEqual([
      { name: "__name__", value: "up" },
      { name: "replica", value: "a" },
      { name: "job", value: "x" },
    ]);
    // In place, within a series' part of a longer column.
    const column = Uint32Array.of(9, 9, 1, 2, 3, 4, 5, 6, 9, 9);
    expect(symbols.dropLabel(column, 2, 8, "replica")).toBe(6);
    expect(Array.from(column.subarray(2, 6))).toEqual([1, 2, 5, 6]);
    expect(Array.from(column.subarray(8))).toEqual([9, 9]);
    expect(symbols.dropLabel(refs, 0, 6, "cluster")).toBe(6);
    expect(Array.from(refs)).toEqual([1, 2, 3, 4, 5, 6]);
    const out = new Uint32Array(8);
    expect(symbols.writeRefs([{ name: "job", value: "x" }, { name: "new", value: "y" }], out, 2)).toBe(6);
    expect(Array.from(out.subarray(2, 6))).toEqual([5, 6, 7, 8]);
    expect(symbols.strings.slice(7)).toEqual(["new", "y"]);
  });
});

describe("LabelRefBuffer", () => {
  it("keeps earlier views whole across growth", () => {
    const b = new LabelRefBuffer(2);
    const views: Uint32Array[] = [];
    for (let s = 0; s < 20; s++) {
      const start = b.length;
      for (let i = 0; i < 6; i++) b.push(s * 10 + i);
      views.push(b.from(start));
    }
    expect(views.map((v) => Array.from(v))).toEqual(Array.from({ length: 20 }, (_, s) => Array.from({ length: 6 }, (_, i) => s * 10 + i)));
  });
});
