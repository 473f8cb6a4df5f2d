import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Ingester } from "../../durable-objects/ingester";
import type { PushRequest, PushSeries, SelectRequest, SelectResult } from "../../src/ingester/protocol";
import { unpackSelection } from "../../src/ingester/select-codec";
import { labelsFromRecord } from "../../src/model/labels";
import { Matcher } from "../../src/model/matchers";
import { XORIterator } from "../../src/tsdb/chunkenc/xor";
import { Head } from "../../src/tsdb/head/head";
import { ingestPush } from "../../src/tsdb/head/ingest";
import { WalRecordBuilder } from "../../src/tsdb/wal/record";
import { WalStore } from "../../src/tsdb/wal/store";

let counter = 0;
function stub(): DurableObjectStub<Ingester> {
  return env.INGESTER.get(env.INGESTER.idFromName(`t/${Date.now()}-${counter++}`));
}

function series(labels: Record<string, string>, ts: number[], vs: number[]): PushSeries {
  return { labels: [...labelsFromRecord(labels)], timestamps: Float64Array.from(ts), values: Float64Array.from(vs) };
}

function req(s: PushSeries[], outOfOrderWindowMs = 0): PushRequest {
  return { series: s, outOfOrderWindowMs };
}

/** Every series as `labels → [[t, v], …]`, decoded from the returned chunks. */
function decode(res: SelectResult): Record<string, [number, number][]> {
  const it = new XORIterator();
  const out: Record<string, [number, number][]> = {};
  for (const s of unpackSelection(res)) {
    const key = s.labels.map((l) => `${l.name}=${l.value}`).join(",");
    const samples: [number, number][] = [];
    for (const c of s.chunks) {
      it.reset(c.data);
      while (it.next()) {
        if (it.t < c.minTime || it.t > c.maxTime) throw new Error(`sample ${it.t} outside chunk [${c.minTime}, ${c.maxTime}]`);
        samples.push([it.t, it.v]);
      }
    }
    out[key] = samples;
  }
  return out;
}

function matcherOf(m: { type: "=" | "!=" | "=~" | "!~"; name: string; value: string }): Matcher {
  return new Matcher(m.type, m.name, m.value);
}

const all: SelectRequest = { matchers: [{ type: "=~", name: "__name__", value: ".+" }], start: -1e15, end: 1e15 };

describe("ingester", () => {
  it("returns pushed samples from select", async () => {
    const ing = stub();
    const r = await ing.push(req([series({ __name__: "up", job: "a" }, [1000, 2000], [1, 0]), series({ __name__: "up", job: "b" }, [1000], [1])]));
    expect(r).toEqual({ samplesWritten: 3, exemplarsWritten: 0, rejections: [] });
    const got = decode(await ing.select({ matchers: [{ type: "=", name: "job", value: "a" }], start: 0, end: 5000 }));
    expect(got).toEqual({ "__name__=up,job=a": [[1000, 1], [2000, 0]] });
    const onlyLabels = await ing.select({ ...all, seriesOnly: true });
    expect(unpackSelection(onlyLabels).map((s) => s.chunks.length)).toEqual([0, 0]);
  });

  it("counts out-of-order and duplicate samples, and accepts an identical retry", async () => {
    const ing = stub();
    const push = req([series({ __name__: "m" }, [10, 20, 30], [1, 2, 3])]);
    expect((await ing.push(push)).samplesWritten).toBe(3);
    const retry = await ing.push(push);
    expect(retry).toEqual({ samplesWritten: 3, exemplarsWritten: 0, rejections: [] });
    const bad = await ing.push(req([series({ __name__: "m" }, [15, 30, 40], [9, 8, 4])]));
    expect(bad.samplesWritten).toBe(1);
    expect(bad.rejections.map((x) => [x.reason, x.count])).toEqual([
      ["sample-out-of-order", 1],
      ["sample-duplicate-timestamp", 1],
    ]);
    expect(bad.rejections[0]!.example).toMatch(/out-of-order/);
    const ooo = await ing.push(req([series({ __name__: "m" }, [15, 1], [9, 9])], 30));
    expect(ooo.samplesWritten).toBe(1);
    expect(ooo.rejections.map((x) => x.reason)).toEqual(["sample-too-old"]);
    expect(decode(await ing.select(all))).toEqual({ "__name__=m": [[10, 1], [15, 9], [20, 2], [30, 3], [40, 4]] });
  });

  it("keeps every acknowledged sample across eviction", async () => {
    const ing = stub();
    await ing.push({
      ...req([series({ __name__: "m", i: "1" }, [1, 2], [1, 2])]),
      metadata: [{ metricFamilyName: "m", type: "gauge", help: "a gauge", unit: "" }],
    });
    await ing.push(req([{ ...series({ __name__: "m", i: "1" }, [3], [3]), exemplars: [{ labels: [{ name: "trace_id", value: "abc" }], value: 3, timestamp: 3 }] }]));
    await ing.push(req([series({ __name__: "m", i: "2" }, [5], [5])]));
    const before = decode(await ing.select(all));
    await evictDurableObject(ing);
    expect(decode(await ing.select(all))).toEqual(before);
    expect(await ing.metadata("m", 0)).toEqual([{ metricFamilyName: "m", type: "gauge", help: "a gauge", unit: "" }]);
    const ex = await ing.exemplars(all);
    expect(ex.map((e) => e.exemplars.map((x) => x.timestamp))).toEqual([[3]]);
    expect((await ing.stats()).replay?.records).toBe(3);
  });

  it("cuts chunks, checkpoints, and rebuilds identical data after eviction", async () => {
    const ing = stub();
    const nSeries = 40;
    const perPush = 50;
    const pushes = 300;
    const t0 = Date.now();
    for (let p = 0; p < pushes; p++) {
      const s: PushSeries[] = [];
      for (let i = 0; i < nSeries; i++) {
        const ts = Array.from({ length: perPush }, (_, k) => (p * perPush + k) * 15_000);
        s.push(series({ __name__: "load", i: String(i) }, ts, ts.map((t) => t * i + 0.5)));
      }
      const r = await ing.push(req(s));
      expect(r.samplesWritten).toBe(nSeries * perPush);
    }
    console.log(`${pushes} pushes of ${nSeries * perPush} samples: ${((Date.now() - t0) / pushes).toFixed(1)} ms per push`);
    // An out-of-order sample into a chunk that was already checkpointed.
    await ing.push(req([series({ __name__: "load", i: "3" }, [7_500], [-1])], 1e12));
    const stats = await ing.stats();
    expect(stats.completedChunks).toBeGreaterThan(nSeries * 100);
    expect(stats.checkpointSequence).toBeGreaterThan(0);
    const before = decode(await ing.select(all));
    expect(before["__name__=load,i=3"]).toContainEqual([7_500, -1]);
    expect(Object.values(before).reduce((a, s) => a + s.length, 0)).toBe(nSeries * perPush * pushes + 1);

    await evictDurableObject(ing);
    const after = decode(await ing.select(all));
    expect(after).toEqual(before);
    const restarted = await ing.stats();
    // 12,000 chunks of ~100 bytes are well inside the memory budget: all of them are back in memory.
    expect(restarted.chunksInMemory).toBe(restarted.completedChunks);
    expect(restarted.chunkRowsRead).toBe(0);
    const replay = restarted.replay!;
    expect(replay.orphanSamples).toBe(0);
    expect(replay.records).toBeLessThan(pushes);

    // Rows written per million samples (one WAL row per push plus checkpoints).
    const samples = nSeries * perPush * pushes;
    const perMillion = (stats.rowsWritten / samples) * 1e6;
    console.log(`rows written: ${stats.rowsWritten} for ${samples} samples in ${pushes + 1} pushes = ${perMillion.toFixed(0)} per million at ${nSeries * perPush} samples/push`);
    expect(perMillion).toBeLessThanOrEqual(1000);
  }, 120_000);

  it("answers label names and values with matchers", async () => {
    const ing = stub();
    await ing.push(
      req([
        series({ __name__: "up", job: "api", zone: "x" }, [1000], [1]),
        series({ __name__: "up", job: "db" }, [1000], [1]),
        series({ __name__: "other", job: "api" }, [9000], [1]),
      ]),
    );
    const q = (matchers: { type: "=" | "!=" | "=~" | "!~"; name: string; value: string }[], start = 0, end = 10_000) => ({ matchers, start, end });
    expect(await ing.labelNames(q([]))).toEqual(["__name__", "job", "zone"]);
    expect(await ing.labelNames(q([{ type: "=", name: "job", value: "db" }]))).toEqual(["__name__", "job"]);
    expect(await ing.labelValues("job", q([{ type: "=", name: "__name__", value: "up" }]))).toEqual(["api", "db"]);
    expect(await ing.labelValues("__name__", q([], 0, 5000))).toEqual(["up"]);
    expect(await ing.labelValues("job", q([{ type: "!~", name: "zone", value: "x" }]))).toEqual(["api", "db"]);
  });

  it("splits a push too large for one row and replays it", async () => {
    const ing = stub();
    const n = 200_000;
    const ts = Array.from({ length: n }, (_, i) => i * 1000);
    const r = await ing.push(req([series({ __name__: "big" }, ts, ts.map((t) => Math.sqrt(t)))]));
    expect(r.samplesWritten).toBe(n);
    const rows = await runInDurableObject(ing, (_i: Ingester, state: DurableObjectState) => state.storage.sql.exec("SELECT seq FROM wal").toArray().length);
    expect(rows).toBeGreaterThan(1);
    await evictDurableObject(ing);
    const got = decode(await ing.select(all))["__name__=big"]!;
    expect(got.length).toBe(n);
    expect(got[n - 1]).toEqual([ts[n - 1], Math.sqrt(ts[n - 1]!)]);
  }, 60_000);

  it("wraps the WAL ring many times and still replays exactly", async () => {
    const ing = stub();
    await runInDurableObject(ing, (_i: Ingester, state: DurableObjectState) => {
      const opts = { slots: 80, checkpointEvery: 16 };
      const head = new Head();
      const store = new WalStore(state.storage.sql, opts);
      store.init();
      for (let p = 0; p < 300; p++) {
        const b = new WalRecordBuilder();
        // Two series per push, one of them new every 7 pushes, plus a late sample now and then.
        const s = [series({ __name__: "a" }, [p * 10], [p]), series({ __name__: "b", gen: String(Math.floor(p / 7)) }, [p * 10], [-p])];
        if (p % 11 === 5) s.push(series({ __name__: "a" }, [p * 10 - 5], [0.5]));
        ingestPush(head, req(s, 100), b);
        state.storage.transactionSync(() => {
          store.append(head, b.finish());
          if (store.checkpointDue(head)) store.checkpoint(head);
        });
      }
      expect(store.sequence).toBe(300);
      const again = new Head();
      const replay = new WalStore(state.storage.sql, opts).replay(again);
      expect(replay.records).toBeLessThan(16);
      expect(replay.orphanSamples).toBe(0);
      const q = [{ type: "=~", name: "__name__", value: ".+" }] as const;
      expect(decode(again.selectPacked(q.map((m) => matcherOf(m)), -1e15, 1e15))).toEqual(decode(head.selectPacked(q.map((m) => matcherOf(m)), -1e15, 1e15)));
      expect(decode(again.selectPacked([matcherOf({ type: "=", name: "__name__", value: "a" })], -1e15, 1e15))["__name__=a"]!.length).toBe(300 + 27);
    });
  });

  it("truncates data covered by blocks and keeps it gone after eviction", async () => {
    const ing = stub();
    const ts = Array.from({ length: 400 }, (_, i) => i * 60_000);
    await ing.push(req([series({ __name__: "m" }, ts, ts.map(() => 1)), series({ __name__: "gone" }, [1000], [1])]));
    expect(await ing.truncate(7_200_000)).toBe(1);
    await evictDurableObject(ing);
    const got = decode(await ing.select(all));
    expect(Object.keys(got)).toEqual(["__name__=m"]);
    expect(got["__name__=m"]!.map(([t]) => t)).toEqual(ts.filter((t) => t >= 7_200_000));
    const late = await ing.push(req([series({ __name__: "m" }, [60_000], [2])], 1e12));
    expect(late.rejections.map((r) => r.reason)).toEqual(["sample-too-old"]);
  });

  it("writes the WAL row inside the push", async () => {
    const ing = stub();
    await ing.push(req([series({ __name__: "m" }, [1], [1])]));
    const rows = await runInDurableObject(ing, (_i: Ingester, state: DurableObjectState) => state.storage.sql.exec("SELECT seq FROM wal").toArray().length);
    expect(rows).toBe(1);
  });
});
