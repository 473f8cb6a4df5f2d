/**
 * Cutting ingester heads into blocks inside workerd: pushed data is
 * flushed to R2, registered in the tenant catalog and bucket-index.json,
 * dropped from the heads, and queries answer the same before and after.
 * Kill points: a failing R2 upload and a crash after upload are retried
 * with the same block id, and nothing is lost or duplicated.
 */
import { env, evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Ingester } from "../../durable-objects/ingester";
import { SHARD_EXTERNAL_LABEL, TENANT_EXTERNAL_LABEL } from "../../src/ingester/cut";
import { readBucketIndex } from "../../src/storage/bucket-index";
import { parseBlockMeta } from "../../src/tsdb/block/meta";
import { HOUR, ingesterOf, type Matrix, MIN, pushRange as pushRangeOf, rangeSnapshot, sleepPastIndexCache, STEP, tenantDO } from "./blocks-helpers";
import { BASE, configureTenant, push, series } from "./helpers";

/** A 2h-aligned start well in the past, so every range is complete. */
const START = Math.floor((Date.now() - 12 * HOUR) / (2 * HOUR)) * 2 * HOUR;

/** Pushes `n` series (a counter and a gauge per instance) every STEP in [from, to). */
function pushRange(tenant: string, n: number, from: number, to: number): Promise<number> {
  return pushRangeOf(
    tenant,
    n,
    from,
    to,
    (i) => ({ __name__: i % 2 === 0 ? "requests_total" : "temperature", instance: `host-${i}` }),
    (i, t) => (i % 2 === 0 ? (t - from) / 1000 : Math.sin(t / 1e6 + i)),
  );
}

const QUERIES = ["requests_total", "rate(requests_total[5m])", "sum(temperature)", "count_over_time(temperature[10m])"];

const snapshot = (tenant: string, from: number, to: number): Promise<Matrix[]> => rangeSnapshot(tenant, QUERIES, from, to);

async function headSeries(tenant: string, shards: number): Promise<number> {
  let n = 0;
  for (let s = 0; s < shards; s++) n += (await ingesterOf(tenant, s).stats()).series;
  return n;
}

describe("block cutting", () => {
  it("flushes heads into R2 blocks, registers them, and queries answer the same", { timeout: 90_000 }, async () => {
    const tenant = "cut-flush";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 2 });
    const to = START + 5 * HOUR;
    const pushed = await pushRange(tenant, 20, START, to);
    const before = await snapshot(tenant, START, to);
    expect(before[0]!.length).toBe(10);
    expect(await headSeries(tenant, 2)).toBe(20);

    const res = await SELF.fetch(`${BASE}/ingester/flush`, { method: "POST", headers: { "X-Scope-OrgID": tenant } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { shards: { shard: number; blocks: { ulid: string; minTime: number; maxTime: number }[] }[] };
    // 5h from an aligned start: three 2h ranges per shard, the last one ending after the newest sample.
    for (const s of body.shards) {
      expect(s.blocks.map((b) => b.minTime)).toEqual([START, START + 2 * HOUR, START + 4 * HOUR]);
      expect(s.blocks[2]!.maxTime).toBe(to - STEP + 1);
    }

    const index = await readBucketIndex(env.BLOCKS, tenant);
    expect(index?.blocks.length).toBe(6);
    let samples = 0;
    for (const b of index!.blocks) {
      const obj = await env.BLOCKS.get(`${tenant}/${b.block_id}/meta.json`);
      const meta = parseBlockMeta(await obj!.text());
      expect(meta.compaction).toEqual({ level: 1, sources: [b.block_id] });
      expect(meta.thanos.labels[TENANT_EXTERNAL_LABEL]).toBe(tenant);
      expect(["0", "1"]).toContain(meta.thanos.labels[SHARD_EXTERNAL_LABEL]);
      expect(meta.thanos.source).toBe("receive");
      samples += meta.stats.numSamples;
    }
    expect(samples).toBe(pushed);
    const catalog = await tenantDO(tenant).listBlocks();
    expect(catalog.map((b) => b.ulid).sort()).toEqual(index!.blocks.map((b) => b.block_id).sort());

    expect(await headSeries(tenant, 2)).toBe(0);
    expect(await snapshot(tenant, START, to)).toEqual(before);
  });

  it("retries a cut whose upload failed with the same block id; nothing lost or duplicated", { timeout: 60_000 }, async () => {
    const tenant = "cut-r2-fail";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 1 });
    const to = START + 3 * HOUR;
    const pushed = await pushRange(tenant, 6, START, to);
    const before = await snapshot(tenant, START, to);
    const ing = ingesterOf(tenant, 0);

    // The first chunk upload fails as R2 would.
    const failedUlid = await runInDurableObject(ing, async (obj: Ingester) => {
      const real = obj.cutter.bucket;
      let puts = 0;
      obj.cutter.bucket = {
        put: async (...args: Parameters<R2Bucket["put"]>) => {
          if (puts++ === 0) throw new Error("injected R2 failure");
          return real.put(...args);
        },
        createMultipartUpload: (k: string) => real.createMultipartUpload(k),
        delete: (k: string | string[]) => real.delete(k),
      } as typeof real;
      await expect(obj.flush(tenant, 0, 0)).rejects.toThrow("injected R2 failure");
      obj.cutter.bucket = real;
      return obj.cutter.store.unregistered()?.ulid;
    });
    expect(failedUlid).toBeDefined();
    expect(await readBucketIndex(env.BLOCKS, tenant)).toBeNull();
    // Still all in the head: queries unchanged.
    expect(await snapshot(tenant, START, to)).toEqual(before);

    const flushed = await ing.flush(tenant, 0, 0);
    expect(flushed.blocks[0]!.ulid).toBe(failedUlid);
    const index = await readBucketIndex(env.BLOCKS, tenant);
    let samples = 0;
    for (const b of index!.blocks) samples += parseBlockMeta(await (await env.BLOCKS.get(`${tenant}/${b.block_id}/meta.json`))!.text()).stats.numSamples;
    expect(samples).toBe(pushed);
    expect((await ing.stats()).series).toBe(0);
    await sleepPastIndexCache();
    expect(await snapshot(tenant, START, to)).toEqual(before);
  });

  it("an eviction after upload resumes the cut with the same id and registers once", { timeout: 60_000 }, async () => {
    const tenant = "cut-evict";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 1 });
    const to = START + HOUR;
    await pushRange(tenant, 4, START, to);
    const ing = ingesterOf(tenant, 0);
    // Registration fails (as if the DO died between upload and catalog call).
    const ulid = await runInDurableObject(ing, async (obj: Ingester) => {
      const deps = (obj.cutter as unknown as { deps(): object }).deps.bind(obj.cutter);
      (obj.cutter as unknown as { deps(): object }).deps = () => ({ ...deps(), register: async () => { throw new Error("crash before registration"); } });
      await expect(obj.flush(tenant, 0, 0)).rejects.toThrow("crash before registration");
      return obj.cutter.store.unregistered()!.ulid;
    });
    expect(await env.BLOCKS.head(`${tenant}/${ulid}/meta.json`)).not.toBeNull();
    expect(await readBucketIndex(env.BLOCKS, tenant)).toBeNull();
    await evictDurableObject(ing);
    // After restart the range is still owned by the cut: a sample in it is refused as too old.
    const late = await push(tenant, { series: [series({ __name__: "requests_total", instance: "host-0" }, [[START + 5 * MIN + 1, 1]])] });
    expect(late.status).toBe(400);
    const flushed = await ing.flush(tenant, 0, 0);
    expect(flushed.blocks.map((b) => b.ulid)).toEqual([ulid]);
    const index = await readBucketIndex(env.BLOCKS, tenant);
    expect(index!.blocks.map((b) => b.block_id)).toEqual([ulid]);
  });
});
