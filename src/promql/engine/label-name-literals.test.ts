import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../model/labels";
import { MemoryStorage } from "../../storage/memory";
import { Engine } from "./engine";

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  s.append(labelsFromRecord({ __name__: "m", a: "x", b: "y" }), [0], [1]);
  return s;
}

describe("label names written as string literals", () => {
  const engine = new Engine();

  it("rejects names whose byte escapes are not valid UTF-8, quoting the bytes as Prometheus does", async () => {
    await expect(engine.instantQuery(storage(), 'count_values("a\\xc5z", m)', 0)).rejects.toThrow('invalid label name "a\\xc5z"');
    await expect(engine.instantQuery(storage(), 'label_replace(m, "\\xff", "", "a", "(.*)")', 0)).rejects.toThrow(
      "invalid destination label name in label_replace(): \ufffd",
    );
    await expect(engine.instantQuery(storage(), 'label_join(m, "d", "-", "a", "\\xff")', 0)).rejects.toThrow(
      "invalid source label name in label_join(): \ufffd",
    );
  });

  it("accepts the same characters written as valid UTF-8", async () => {
    const r = await engine.instantQuery(storage(), 'label_join(m, "\\xc3\\xa9", "-", "a", "b")', 0);
    expect(r.value.type === "vector" && r.value.samples[0]!.labels.find((l) => l.name === "é")?.value).toBe("x-y");
    const c = await engine.instantQuery(storage(), 'count_values("\\u00e9", m)', 0);
    expect(c.value.type === "vector" && c.value.samples[0]!.labels).toEqual([{ name: "é", value: "1" }]);
  });
});
