/**
 * Completed head chunks read back from the checkpoint in the ingester's
 * SQLite once they are beyond the memory budget: queries, out-of-order rewrites, block
 * cuts, truncation and replay must see exactly what a head holding every
 * chunk in memory sees.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Ingester } from "../../durable-objects/ingester";
import { headBlockSeries } from "../../src/ingester/cut";
import type { PushSeries } from "../../src/ingester/protocol";
import { unpackSelection } from "../../src/ingester/select-codec";
import { labelsFromRecord } from "../../src/model/labels";
import { Matcher } from "../../src/model/matchers";
import { XORIterator } from "../../src/tsdb/chunkenc/xor";
import { Head } from "../../src/tsdb/head/head";
import { ingestPush } from "../../src/tsdb/head/ingest";
import { ChunkBatchWriter } from "../../src/tsdb/wal/checkpoint";
import { WalRecordBuilder } from "../../src/tsdb/wal/record";
import { WalStore } from "../../src/tsdb/wal/store";

let counter = 0;
function stub(): DurableObjectStub<Ingester> {
  return env.INGESTER.get(env.INGESTER.idFromName(`head-chunks/${Date.now()}-${counter++}`));
}

const everything = [new Matcher("=~", "__name__", ".+")];

/** Every series as `labels → [[t, v], …]`. */
function dump(head: Head, matchers = everything): Record<string, [number, number][]> {
  const it = new XORIterator();
  const out: Record<string, [number, number][]> = {};
  for (const s of unpackSelection(head.selectPacked(matchers, -1e15, 1e15))) {
    const samples: [number, number][] = [];
    for (const c of s.chunks) {
      it.reset(c.data);
      while (it.next()) samples.push([it.t, it.v]);
    }
    out[s.labels.map((l) => `${l.name}=${l.value}`).join(",")] = samples;
  }
  return out;
}

/** Pushes `rounds` of 30 samples (15 s apart) for `n` series into each head; `each` runs after every push. */
function fill(heads: Head[], n: number, rounds: number, each: () => void = () => {}): void {
  for (let r = 0; r < rounds; r++) {
    const series: PushSeries[] = [];
    for (let i = 0; i < n; i++) {
      const timestamps = Float64Array.from({ length: 30 }, (_, k) => (r * 30 + k) * 15_000);
      series.push({ labels: [...labelsFromRecord({ __name__: "m", i: String(i) })], timestamps, values: timestamps.map((t) => (t / 1000) * (i + 1) + Math.sin(t)) });
    }
    for (const h of heads) ingestPush(h, { series, outOfOrderWindowMs: 0 }, h === heads[0] ? builder : null);
    each();
  }
}

let builder = new WalRecordBuilder();

/** Checkpoint after every push; keep no written chunk in memory unless told. */
const options = (residentChunkBytes = 0) => ({ slots: 80, checkpointEvery: 1, residentChunkBytes });

/** A head with a WAL store in `state`'s SQLite. */
function durableHead(state: DurableObjectState, residentChunkBytes = 0): { head: Head; store: WalStore; push: () => void } {
  const head = new Head();
  const store = new WalStore(state.storage.sql, options(residentChunkBytes));
  store.init();
  builder = new WalRecordBuilder();
  const push = () =>
    state.storage.transactionSync(() => {
      store.append(head, builder.finish());
      if (store.checkpointDue(head)) store.checkpoint(head);
    });
  return { head, store, push };
}

const rowCount = (state: DurableObjectState) => Number(state.storage.sql.exec("SELECT count(*) AS n FROM head_chunks").one()["n"]);

describe("head chunks on disk", () => {
  it("leave memory at a checkpoint and read back exactly, each row once per query", async () => {
    await runInDurableObject(stub(), (_i: Ingester, state: DurableObjectState) => {
      const { head, push } = durableHead(state);
      const memory = new Head();
      fill([head, memory], 60, 40, push);
      const stats = head.stats();
      expect(stats.completedChunks).toBe(memory.stats().completedChunks);
      expect(stats.completedChunks).toBeGreaterThanOrEqual(60 * 9);
      expect(stats.chunksInMemory).toBe(0);
      expect(memory.stats().chunksInMemory).toBe(stats.completedChunks);

      const before = head.disk!.rowsRead;
      expect(dump(head)).toEqual(dump(memory));
      const rows = rowCount(state);
      expect(rows).toBeGreaterThan(3);
      expect(head.disk!.rowsRead - before).toBe(rows);

      // One series reads only the rows its chunks are in.
      const one = [new Matcher("=", "i", "7")];
      const start = head.disk!.rowsRead;
      expect(dump(head, one)).toEqual(dump(memory, one));
      const chunksOf7 = head.get(8)!.chunks!;
      expect(head.disk!.rowsRead - start).toBe(new Set(chunksOf7.map((c) => c.row)).size);

      // A block cut takes the same chunks from disk as from memory.
      const cut = headBlockSeries(head, 0, 7_200_000);
      const want = headBlockSeries(memory, 0, 7_200_000);
      expect(cut.length).toBe(60);
      expect(cut.map((s) => s.chunks.map((c) => [c.minTime, c.maxTime, [...c.data]]))).toEqual(want.map((s) => s.chunks.map((c) => [c.minTime, c.maxTime, [...c.data]])));
    });
  });

  it("take out-of-order samples into a chunk on disk and keep them across a replay", async () => {
    await runInDurableObject(stub(), (_i: Ingester, state: DurableObjectState) => {
      const { head, push, store } = durableHead(state);
      const memory = new Head();
      fill([head, memory], 5, 20, push);
      const s = head.get(1)!;
      const old = s.chunks![1]!;
      expect(old.disk).not.toBeNull();
      const late: PushSeries = { labels: [...labelsFromRecord({ __name__: "m", i: "0" })], timestamps: Float64Array.of(old.minTime + 7_000), values: Float64Array.of(-42) };
      for (const h of [head, memory]) expect(ingestPush(h, { series: [late], outOfOrderWindowMs: 1e12 }, h === head ? builder : null).result.samplesWritten).toBe(1);
      // Rewritten in memory until the next checkpoint.
      expect(s.chunks![1]!.disk).toBeNull();
      push();
      expect(s.chunks![1]!.disk).not.toBeNull();
      // A repeat of a sample in a chunk on disk is a no-op; a different value inside the window is a duplicate.
      const again = { ...late, values: Float64Array.of(-42) };
      expect(ingestPush(head, { series: [again], outOfOrderWindowMs: 0 }, null).result.samplesWritten).toBe(1);
      const other = { ...late, values: Float64Array.of(1) };
      expect(ingestPush(head, { series: [other], outOfOrderWindowMs: 1e12 }, null).result.rejections.map((r) => r.reason)).toEqual(["sample-duplicate-timestamp"]);

      const rebuilt = new Head();
      const replay = new WalStore(state.storage.sql, options()).replay(rebuilt);
      expect(replay.orphanSamples).toBe(0);
      expect(rebuilt.stats().chunksInMemory).toBe(0);
      expect(dump(rebuilt)).toEqual(dump(memory));
      expect(dump(rebuilt)["__name__=m,i=0"]).toContainEqual([old.minTime + 7_000, -42]);
      expect(store.checkpointSequence).toBeGreaterThan(0);
    });
  });

  it("drop rows a block holds, and a replay refuses what is left before the cut", async () => {
    await runInDurableObject(stub(), (_i: Ingester, state: DurableObjectState) => {
      const { head, store, push } = durableHead(state);
      const memory = new Head();
      // 40 rounds of 7.5 minutes: 5 hours, three 2h ranges.
      fill([head, memory], 20, 40, push);
      const rowsBefore = rowCount(state);
      const mint = 7_200_000;
      // A block cut first raises the min valid time and keeps serving the range until
      // the block is registered: a replay in between must bring the range back.
      head.minValidTime = mint;
      state.storage.transactionSync(() => store.checkpoint(head));
      const planned = new Head();
      new WalStore(state.storage.sql, options()).replay(planned);
      expect(planned.minValidTime).toBe(mint);
      expect(dump(planned)).toEqual(dump(memory));

      for (const h of [head, memory]) h.truncateBefore(mint);
      state.storage.transactionSync(() => store.dropChunksBefore(head, mint));
      const left = state.storage.sql.exec("SELECT min(max_time) AS t, count(*) AS n FROM head_chunks").one();
      expect(Number(left["n"])).toBeLessThan(rowsBefore);
      expect(Number(left["t"])).toBeGreaterThanOrEqual(mint);
      expect(dump(head)).toEqual(dump(memory));

      const rebuilt = new Head();
      new WalStore(state.storage.sql, options()).replay(rebuilt);
      expect(rebuilt.minValidTime).toBe(mint);
      expect(dump(rebuilt)).toEqual(dump(memory));
      expect(Math.min(...Object.values(dump(rebuilt)).map((s) => s[0]![0]))).toBeGreaterThanOrEqual(mint);
    });
  });

  it("stay in memory up to the budget, the newest ones, also after a replay", async () => {
    await runInDurableObject(stub(), (_i: Ingester, state: DurableObjectState) => {
      const budget = 40_000;
      const { head, push } = durableHead(state, budget);
      const memory = new Head();
      fill([head, memory], 30, 40, push);
      const inMemory = (h: Head) => {
        let bytes = 0;
        let newestOnDisk = -Infinity;
        let oldestInMemory = Infinity;
        h.forEachSeries((s) =>
          s.chunks?.forEach((c) => {
            if (c.disk === null) {
              bytes += c.byteLength;
              oldestInMemory = Math.min(oldestInMemory, c.maxTime);
            } else newestOnDisk = Math.max(newestOnDisk, c.maxTime);
          }),
        );
        return { bytes, newestOnDisk, oldestInMemory };
      };
      const live = inMemory(head);
      expect(head.disk!.residentByteCount).toBeLessThanOrEqual(budget);
      expect(live.bytes).toBeLessThanOrEqual(budget);
      expect(live.bytes).toBeGreaterThan(budget / 2);
      // The oldest left: what stays is newer than (or as new as) what went.
      expect(live.oldestInMemory).toBeGreaterThanOrEqual(live.newestOnDisk - 30 * 60_000);
      expect(dump(head)).toEqual(dump(memory));

      const rebuilt = new Head();
      new WalStore(state.storage.sql, options(budget)).replay(rebuilt);
      const again = inMemory(rebuilt);
      expect(again.bytes).toBeLessThanOrEqual(budget);
      expect(again.bytes).toBeGreaterThan(budget / 2);
      expect(dump(rebuilt)).toEqual(dump(memory));
    });
  });

  it("are checkpointed once enough chunk bytes gather, however few records", async () => {
    await runInDurableObject(stub(), (_i: Ingester, state: DurableObjectState) => {
      const head = new Head();
      const store = new WalStore(state.storage.sql, { slots: 2000, checkpointEvery: 1000, checkpointChunkBytes: 10_000, residentChunkBytes: 0 });
      store.init();
      builder = new WalRecordBuilder();
      let checkpoints = 0;
      fill([head], 20, 40, () =>
        state.storage.transactionSync(() => {
          store.append(head, builder.finish());
          if (!store.checkpointDue(head)) return;
          checkpoints++;
          store.checkpoint(head);
          expect(store.checkpointDue(head)).toBe(false);
        }),
      );
      // 40 records, far fewer than 1,000, yet every ~10 KB of completed chunks went to disk.
      const onDisk = head.stats().completedChunks - head.stats().chunksInMemory;
      expect(checkpoints).toBeGreaterThan(2);
      expect(head.slab.storedBytes).toBeLessThan(10_000);
      expect(onDisk).toBeGreaterThan(0);
      expect(store.sequence).toBe(40);
    });
  });

  it("gives chunk rows written before rows knew their max time one on replay", async () => {
    await runInDurableObject(stub(), (_i: Ingester, state: DurableObjectState) => {
      const sql = state.storage.sql;
      const memory = new Head();
      fill([memory], 3, 10);
      const batch = new ChunkBatchWriter(1 << 20);
      memory.forEachSeries((s) => s.chunks?.forEach((c) => batch.add(s.ref, c)));
      // The earlier layout: no max_time, and a snapshot naming the series.
      sql.exec("DROP TABLE head_chunks");
      sql.exec("CREATE TABLE head_chunks (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
      const [row] = batch.finish();
      sql.exec("INSERT INTO head_chunks (data) VALUES (?)", row!.data.slice().buffer);
      const store = new WalStore(sql);
      store.init();
      state.storage.transactionSync(() => store.checkpoint(memory));
      const rebuilt = new Head();
      new WalStore(sql).replay(rebuilt);
      const times = sql.exec("SELECT max_time FROM head_chunks ORDER BY id").toArray().map((r) => r["max_time"]);
      expect(times[0]).toBe(row!.maxTime);
      expect(times.every((t) => typeof t === "number")).toBe(true);
      expect(dump(rebuilt)).toEqual(dump(memory));
    });
  });
});
