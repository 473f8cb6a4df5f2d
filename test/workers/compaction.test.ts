/**
 * Compaction, retention and delayed deletion in the tenant DO, inside
 * workerd: shard blocks of one range merge into one level-2 block, then
 * 2h blocks into a 12h one; sources are marked, stay readable until the
 * deletion delay passes, then disappear from R2; query answers never
 * change; an eviction mid-compaction leaves nothing visible and is cleaned
 * up by the next round.
 */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Ingester } from "../../durable-objects/ingester";
import type { Tenant } from "../../durable-objects/tenant";
import { liveBlocks, readBucketIndex } from "../../src/storage/bucket-index";
import { parseBlockMeta } from "../../src/tsdb/block/meta";
import { api, configureTenant, push, series } from "./helpers";

const MIN = 60_000;
const HOUR = 60 * MIN;
const STEP = 60_000;
/** 12h-aligned and well in the past. */
const START = Math.floor((Date.now() - 36 * HOUR) / (12 * HOUR)) * 12 * HOUR;

async function pushRange(tenant: string, n: number, from: number, to: number): Promise<number> {
  let samples = 0;
  for (let t0 = from; t0 < to; t0 += 2 * HOUR) {
    const input = [];
    for (let i = 0; i < n; i++) {
      const pts: [number, number][] = [];
      for (let t = t0; t < Math.min(to, t0 + 2 * HOUR); t += STEP) pts.push([t, (t - from) / 1000 + i]);
      samples += pts.length;
      input.push(series({ __name__: "bytes_total", instance: `h${i}` }, pts));
    }
    expect((await push(tenant, { series: input })).status).toBe(204);
  }
  return samples;
}

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

async function snapshot(tenant: string, from: number, to: number): Promise<Matrix[]> {
  return Promise.all(
    ["bytes_total", "rate(bytes_total[5m])", "sum(increase(bytes_total[1h]))"].map(async (query) => {
      const r = await api<{ result: Matrix }>(tenant, "/api/v1/query_range", { query, start: String(from / 1000), end: String(to / 1000), step: "120" });
      expect(r.status).toBe(200);
      return r.body.data.result;
    }),
  );
}

function tenantDO(tenant: string): DurableObjectStub<Tenant> {
  return env.TENANT.get(env.TENANT.idFromName(tenant));
}

async function flushAll(tenant: string, shards: number): Promise<void> {
  for (let s = 0; s < shards; s++) {
    await (env.INGESTER.get(env.INGESTER.idFromName(`${tenant}/${s}`)) as DurableObjectStub<Ingester>).flush(tenant, s, 0);
  }
}

const sleepPastIndexCache = () => new Promise((r) => setTimeout(r, 11_000));

describe("compaction", () => {
  // Should the 12h merge ever not be planned, the failure message shows the blocks' layout.
  it("merges shard blocks, then 2h blocks into 12h, marks and later deletes sources, answers unchanged", { timeout: 90_000 }, async () => {
    const tenant = "compact-a";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 3 });
    const to = START + 12 * HOUR;
    const pushed = await pushRange(tenant, 12, START, to);
    await flushAll(tenant, 3);
    const cut = await tenantDO(tenant).listBlocks();
    expect(cut.length).toBe(18); // 6 ranges × 3 shards
    const before = await snapshot(tenant, START, to);
    expect(before[0]!.length).toBe(12);

    // Two rounds at once (as when the alarm fires during an RPC-started
    // round) must not plan the same compaction twice.
    // The tenant's own alarm may be mid-round when two RPC rounds find
    // nothing left to plan: wait for its result rather than stop early.
    // Each round's clock is an hour ahead of the real one and moves on with
    // it: a fixed one would run backwards between rounds, and blocks a slow
    // round registered late would then stay "uploaded in the future" for
    // every later round, never old enough to merge.
    for (let rounds = 0; rounds < 50; rounds++) {
      const [a, b] = await Promise.all([0, 1].map(() => tenantDO(tenant).runCompaction(Date.now() + HOUR, { waitMs: 0 })));
      if (a!.compacted.length + b!.compacted.length > 0) continue;
      const unmarked = (await tenantDO(tenant).listBlocks()).filter((b) => b.markedAt === null);
      if (unmarked.length === 1 && unmarked[0]!.level === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // 6 merges of 3 shard blocks, then one 12h merge of the six results,
    // whoever ran them (the tenant's own alarm may have taken some).
    const all = await tenantDO(tenant).listBlocks();
    const layout = all.map((b) => `L${b.level} ${(b.minTime - START) / HOUR}h-${(b.maxTime - START) / HOUR}h${b.markedAt === null ? "" : " marked"}`);
    expect(all.length, layout.sort().join(", ")).toBe(18 + 7);
    const live = all.filter((b) => b.markedAt === null);
    expect(live.length).toBe(1);
    expect(live[0]!.level).toBe(3);
    expect(live[0]!.minTime).toBe(START);
    expect([...live[0]!.sources].sort()).toEqual(cut.map((b) => b.ulid).sort());
    expect(live[0]!.externalLabels).toEqual({ __org_id__: tenant });
    expect(live[0]!.numSamples).toBe(pushed);
    const meta = parseBlockMeta(await (await env.BLOCKS.get(`${tenant}/${live[0]!.ulid}/meta.json`))!.text());
    expect(meta.compaction.parents?.length).toBe(6);
    expect(meta.thanos.source).toBe("compactor");

    const index = await readBucketIndex(env.BLOCKS, tenant);
    expect(liveBlocks(index!).map((b) => b.block_id)).toEqual([live[0]!.ulid]);
    expect(index!.block_deletion_marks.length).toBe(all.length - 1);
    // Marked sources stay in R2 until the delay has passed.
    expect(await env.BLOCKS.head(`${tenant}/${cut[0]!.ulid}/index`)).not.toBeNull();
    await sleepPastIndexCache();
    expect(await snapshot(tenant, START, to)).toEqual(before);

    const later = await tenantDO(tenant).runCompaction(Date.now() + 2 * HOUR);
    expect(later.deleted.length).toBe(all.length - 1);
    expect(await env.BLOCKS.head(`${tenant}/${cut[0]!.ulid}/index`)).toBeNull();
    expect(await env.BLOCKS.head(`${tenant}/${cut[0]!.ulid}/meta.json`)).toBeNull();
    expect((await tenantDO(tenant).listBlocks()).length).toBe(1);
    expect((await readBucketIndex(env.BLOCKS, tenant))!.blocks.length).toBe(1);
    await sleepPastIndexCache();
    expect(await snapshot(tenant, START, to)).toEqual(before);
  });

  it("retention marks blocks entirely older than the period", { timeout: 30_000 }, async () => {
    const tenant = "compact-retention";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 1, compactor_blocks_retention_period: "24h" });
    await pushRange(tenant, 2, START, START + 4 * HOUR);
    await flushAll(tenant, 1);
    const blocks = await tenantDO(tenant).listBlocks();
    expect(blocks.length).toBe(2);
    // 24h after the first block's end but not the second's: only the first goes.
    const r = await tenantDO(tenant).runCompaction(START + 2 * HOUR + 24 * HOUR + MIN, { blockRangesMs: [2 * HOUR] });
    expect(r.expired).toEqual([blocks[0]!.ulid]);
    const index = await readBucketIndex(env.BLOCKS, tenant);
    expect(liveBlocks(index!).map((b) => b.block_id)).toEqual([blocks[1]!.ulid]);
  });

  it("an eviction mid-compaction leaves no visible block and the next round cleans up and completes", { timeout: 60_000 }, async () => {
    const tenant = "compact-evict";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 2 });
    const to = START + 2 * HOUR;
    const pushed = await pushRange(tenant, 8, START, to);
    await flushAll(tenant, 2);
    const cut = await tenantDO(tenant).listBlocks();
    expect(cut.length).toBe(2);
    const stub = tenantDO(tenant);
    // Start a compaction whose upload stalls, then evict the object under it.
    const abandoned = await runInDurableObject(stub, async (obj: Tenant) => {
      const catalog = obj.blocks.catalog;
      catalog.beginUpload("01KAAAAAAAAAAAAAAAAAAAAAAA", Date.now());
      catalog.uploadFile("01KAAAAAAAAAAAAAAAAAAAAAAA", "chunks/000001");
      await env.BLOCKS.put(`${tenant}/01KAAAAAAAAAAAAAAAAAAAAAAA/chunks/000001`, new Uint8Array(100));
      return catalog.pendingUploads().map((u) => u.ulid);
    });
    expect(abandoned).toEqual(["01KAAAAAAAAAAAAAAAAAAAAAAA"]);
    await evictDurableObject(stub);
    const r = await tenantDO(tenant).runCompaction(Date.now() + HOUR, { waitMs: 0 });
    expect(r.cleaned).toEqual(["01KAAAAAAAAAAAAAAAAAAAAAAA"]);
    expect(await env.BLOCKS.head(`${tenant}/01KAAAAAAAAAAAAAAAAAAAAAAA/chunks/000001`)).toBeNull();
    expect(r.compacted.length).toBe(1);
    const live = (await tenantDO(tenant).listBlocks()).filter((b) => b.markedAt === null);
    expect(live.length).toBe(1);
    expect(live[0]!.numSamples).toBe(pushed);
  });
});
