import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Ingester } from "../../durable-objects/ingester";
import { unpackSelection } from "../../src/ingester/select-codec";
import { packLabeled } from "../support/packed-push";
import { labelsFromRecord, type Label } from "../../src/model/labels";
import { XORIterator } from "../../src/tsdb/chunkenc/xor";

let counter = 0;
function stub(): DurableObjectStub<Ingester> {
  return env.INGESTER.get(env.INGESTER.idFromName(`push/${Date.now()}-${counter++}`));
}

/** One packed push: series i gets one sample at time t with value i + t/1000. */
function packed(names: readonly Label[][], t: number): Uint8Array {
  const ts = new Float64Array(names.length).fill(t);
  const vs = Float64Array.from(names, (_, i) => i + t / 1000);
  const series = names.map((labels, i) => ({ labels, sampleStart: i, sampleEnd: i + 1, exemplars: [] }));
  return packLabeled(series, ts, vs, 1)[0]!;
}

async function everything(ing: DurableObjectStub<Ingester>): Promise<Record<string, number[]>> {
  const res = await ing.select({ matchers: [{ type: "=~", name: "__name__", value: ".+" }], start: -1e15, end: 1e15 });
  const it = new XORIterator();
  const out: Record<string, number[]> = {};
  for (const s of unpackSelection(res)) {
    const vs: number[] = [];
    for (const c of s.chunks) {
      it.reset(c.data);
      while (it.next()) vs.push(it.t, it.v);
    }
    out[s.labels.map((l) => l.value).join(",")] = vs;
  }
  return out;
}

describe("ingester push (packed, group commit)", () => {
  it("acknowledges concurrent pushes after fewer WAL rows than pushes, and replays all of them", async () => {
    const ing = stub();
    const names = Array.from({ length: 50 }, (_, i) => [...labelsFromRecord({ __name__: "m", i: String(i).padStart(2, "0") })]);
    const pushes = Array.from({ length: 8 }, (_, k) => ing.push({ packed: packed(names, 1000 * (k + 1)), outOfOrderWindowMs: 0 }));
    const results = await Promise.all(pushes);
    // Each push may land in any order; later times only arrive in order per push, so count what was stored.
    const written = results.reduce((n, r) => n + r.samplesWritten, 0);
    const refused = results.reduce((n, r) => n + r.rejections.reduce((m, x) => m + x.count, 0), 0);
    expect(written + refused).toBe(400);
    const stats = await ing.stats();
    expect(stats.walSequence).toBeGreaterThanOrEqual(1);
    expect(stats.walSequence).toBeLessThan(8);
    const before = await everything(ing);
    expect(Object.keys(before)).toHaveLength(50);
    expect(before["m,07"]!.length / 2).toBe(written / 50);

    await evictDurableObject(ing);
    expect(await everything(ing)).toEqual(before);
    expect((await ing.stats()).replay?.samples).toBe(written);
  });

  it("a retry of a push acknowledged earlier is accepted as already written", async () => {
    const ing = stub();
    const names = [[...labelsFromRecord({ __name__: "up", job: "ä" })]];
    const body = packed(names, 5000);
    const [a, b] = await Promise.all([ing.push({ packed: body, outOfOrderWindowMs: 0 }), ing.push({ packed: body, outOfOrderWindowMs: 0 })]);
    expect([a.samplesWritten, b.samplesWritten]).toEqual([1, 1]);
    expect(await everything(ing)).toEqual({ "up,ä": [5000, 5] });
  });

  it("pushes sent a few milliseconds apart, not in one turn, still share WAL rows within the group-commit window", async () => {
    const ing = stub();
    const names = Array.from({ length: 20 }, (_, i) => [...labelsFromRecord({ __name__: "spaced", i: String(i).padStart(2, "0") })]);
    const pushes = [];
    for (let k = 0; k < 8; k++) {
      pushes.push(ing.push({ packed: packed(names, 1000 * (k + 1)), outOfOrderWindowMs: 0 }));
      await new Promise((r) => setTimeout(r, 3));
    }
    const results = await Promise.all(pushes);
    expect(results.reduce((n, r) => n + r.samplesWritten, 0)).toBe(160);
    const stats = await ing.stats();
    expect(stats.walSequence).toBeGreaterThanOrEqual(1);
    expect(stats.walSequence).toBeLessThan(8);
    await evictDurableObject(ing);
    expect((await ing.stats()).replay?.samples).toBe(160);
  });
});
