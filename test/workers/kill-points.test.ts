/**
 * Long-term storage at its kill points, inside workerd: the alarm-driven cut
 * (not a flush), an alarm that dies between upload and registration and is
 * retried after an eviction, and a tenant DO reset (its instance torn down)
 * while a compaction is waiting on R2.
 * After each, the catalog, bucket-index.json and R2 hold every sample
 * exactly once, and query answers are what they were before.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Ingester } from "../../durable-objects/ingester";
import type { Tenant } from "../../durable-objects/tenant";
import { HEAD_RETENTION_AFTER_CUT_MS } from "../../src/ingester/block-cutter";
import { liveBlocks, readBucketIndex } from "../../src/storage/bucket-index";
import { parseBlockMeta } from "../../src/tsdb/block/meta";
import { HOUR, ingesterOf, type Matrix, pushRange as pushRangeOf, rangeSnapshot, sleep, sleepPastIndexCache, tenantDO } from "./blocks-helpers";
import { configureTenant } from "./helpers";

/** 2h-aligned and far enough back that every range is due for an alarm cut (its end is 2h behind the clock). */
const START = Math.floor((Date.now() - 14 * HOUR) / (2 * HOUR)) * 2 * HOUR;

function pushRange(tenant: string, n: number, from: number, to: number): Promise<number> {
  return pushRangeOf(
    tenant,
    n,
    from,
    to,
    (i) => ({ __name__: i % 2 === 0 ? "jobs_total" : "load", instance: `n${i}` }),
    (i, t) => (i % 2 === 0 ? (t - from) / 1000 + i : Math.cos(t / 1e6 + i)),
  );
}

const QUERIES = ["jobs_total", "load", "rate(jobs_total[5m])", "sum(count_over_time(load[10m]))"];

const snapshot = (tenant: string, from: number, to: number): Promise<Matrix[]> => rangeSnapshot(tenant, QUERIES, from, to);

/** Samples in the live blocks of bucket-index.json, from each block's meta.json in R2. */
async function liveSamples(tenant: string): Promise<{ blocks: string[]; samples: number }> {
  const index = await readBucketIndex(env.BLOCKS, tenant);
  const blocks = index === null ? [] : liveBlocks(index).map((b) => b.block_id);
  let samples = 0;
  for (const ulid of blocks) {
    const obj = await env.BLOCKS.get(`${tenant}/${ulid}/meta.json`);
    samples += parseBlockMeta(await obj!.text()).stats.numSamples;
  }
  return { blocks: blocks.sort(), samples };
}

/** Block directories present in R2 under the tenant's prefix. */
async function blockDirsInR2(tenant: string): Promise<string[]> {
  const dirs = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await env.BLOCKS.list({ prefix: `${tenant}/`, cursor });
    for (const o of page.objects) {
      const dir = o.key.split("/")[1]!;
      if (dir !== "bucket-index.json") dirs.add(dir);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return [...dirs].sort();
}

describe("kill points", () => {
  it("the ingester's alarm cuts due ranges, registers them, later drops them from the head; answers unchanged", { timeout: 90_000 }, async () => {
    const tenant = "kp-alarm";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 1 });
    const to = START + 3 * HOUR;
    const pushed = await pushRange(tenant, 6, START, to);
    const before = await snapshot(tenant, START, to);
    expect(before[0]!.length).toBe(3);
    const ing = ingesterOf(tenant, 0);

    // The push scheduled the alarm; run it now instead of in five minutes.
    expect(await runDurableObjectAlarm(ing)).toBe(true);
    // Both 2h ranges are over 2h behind the clock: two blocks, the second ending at its range end (not a flush).
    const cuts = await tenantDO(tenant).listBlocks();
    expect(cuts.map((b) => [b.minTime, b.maxTime])).toEqual([
      [START, START + 2 * HOUR],
      [START + 2 * HOUR, START + 4 * HOUR],
    ]);
    expect(await liveSamples(tenant)).toEqual({ blocks: cuts.map((b) => b.ulid).sort(), samples: pushed });
    // Held in the head too until queriers' cached bucket indexes expire: answers unchanged meanwhile.
    expect((await ing.stats()).series).toBe(6);
    expect(await snapshot(tenant, START, to)).toEqual(before);

    // The cutter scheduled its next alarm for the truncation; workerd runs it by itself.
    const due = await runInDurableObject(ing, (_obj: Ingester, state) => state.storage.getAlarm());
    expect(due).not.toBeNull();
    expect(due! - Date.now()).toBeLessThanOrEqual(HEAD_RETENTION_AFTER_CUT_MS);
    const deadline = Date.now() + HEAD_RETENTION_AFTER_CUT_MS + 15_000;
    while ((await ing.stats()).series > 0 && Date.now() < deadline) await sleep(500);
    expect((await ing.stats()).series).toBe(0);
    // An empty head with no cut pending needs no further alarm.
    expect(await runInDurableObject(ing, (_obj: Ingester, state) => state.storage.getAlarm())).toBeNull();
    expect(await snapshot(tenant, START, to)).toEqual(before);
    expect(await blockDirsInR2(tenant)).toEqual(cuts.map((b) => b.ulid).sort());
  });

  it("an alarm that dies after upload, before registration, is retried with the same block id and registers once", { timeout: 90_000 }, async () => {
    const tenant = "kp-alarm-crash";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 1 });
    const to = START + 2 * HOUR;
    const pushed = await pushRange(tenant, 4, START, to);
    const before = await snapshot(tenant, START, to);
    const ing = ingesterOf(tenant, 0);

    // meta.json reaches R2, then the object dies before calling the catalog.
    await runInDurableObject(ing, (obj: Ingester) => {
      const real = obj.cutter.bucket;
      obj.cutter.bucket = {
        put: async (...args: Parameters<R2Bucket["put"]>) => {
          const done = await real.put(...args);
          if (args[0].endsWith("/meta.json")) throw new Error("killed after upload");
          return done;
        },
        createMultipartUpload: (key: string, options?: R2MultipartOptions) => real.createMultipartUpload(key, options),
        delete: (keys: string | string[]) => real.delete(keys),
      } as typeof real;
    });
    await expect(runDurableObjectAlarm(ing)).rejects.toThrow("killed after upload");
    const pending = await runInDurableObject(ing, (obj: Ingester) => obj.cutter.store.unregistered());
    expect(pending).not.toBeNull();
    expect(await env.BLOCKS.head(`${tenant}/${pending!.ulid}/meta.json`)).not.toBeNull();
    expect(await readBucketIndex(env.BLOCKS, tenant)).toBeNull();
    expect(await tenantDO(tenant).listBlocks()).toEqual([]);
    expect(await snapshot(tenant, START, to)).toEqual(before);

    // The crash takes the instance (and its failing bucket) with it.
    await evictDurableObject(ing);
    // The runtime retries an alarm that threw; the test helper deleted it before running it, so retry by hand.
    await runInDurableObject(ing, (obj: Ingester) => obj.alarm());
    const blocks = await tenantDO(tenant).listBlocks();
    expect(blocks.map((b) => b.ulid)).toEqual([pending!.ulid]);
    expect(await liveSamples(tenant)).toEqual({ blocks: [pending!.ulid], samples: pushed });
    expect(await blockDirsInR2(tenant)).toEqual([pending!.ulid]);
    // Another run (as after a lost acknowledgement) changes nothing.
    await runInDurableObject(ing, (obj: Ingester) => obj.alarm());
    expect((await tenantDO(tenant).listBlocks()).map((b) => b.ulid)).toEqual([pending!.ulid]);
    await sleepPastIndexCache();
    expect(await snapshot(tenant, START, to)).toEqual(before);
  });

  it("a tenant DO reset while compaction awaits R2: nothing visible changes, the next round cleans up and completes", { timeout: 90_000 }, async () => {
    const tenant = "kp-compact-evict";
    await configureTenant(tenant, { ingestion_rate: 1e7, ingestion_burst_size: 1e7, shards: 2 });
    const to = START + 2 * HOUR;
    const pushed = await pushRange(tenant, 16, START, to);
    for (let s = 0; s < 2; s++) await ingesterOf(tenant, s).flush(tenant, s, 0);
    const sources = (await tenantDO(tenant).listBlocks()).map((b) => b.ulid).sort();
    expect(sources.length).toBe(2);
    await sleepPastIndexCache();
    const before = await snapshot(tenant, START, to);
    expect(before[0]!.length).toBe(8);

    // The compaction's first upload is where the object dies: it is reset
    // (as on a crash or a deploy) while the round awaits R2. Eviction proper
    // (evictDurableObject) would wait for the round to end first.
    const stalled: string[] = [];
    const stub = tenantDO(tenant);
    await runInDurableObject(stub, (obj: Tenant, state) => {
      const real = obj.blocks.bucket;
      const die = (key: string): Promise<never> => {
        stalled.push(key);
        // From a timer, so the reset does not surface as this call's own exception.
        setTimeout(() => {
          try {
            state.abort("killed mid-compaction");
          } catch {
            // abort() also throws in its caller; the reset has happened.
          }
        }, 0);
        return new Promise<never>(() => {});
      };
      obj.blocks.bucket = {
        get: ((key: string, options?: R2GetOptions) => real.get(key, options)) as R2Bucket["get"],
        head: (key: string) => real.head(key),
        put: ((key: string) => die(key)) as R2Bucket["put"],
        createMultipartUpload: (key: string) => die(key),
        delete: (keys: string | string[]) => real.delete(keys),
      };
    });
    // Settled with .then: the RPC promise given to expect().rejects leaves a second rejection unhandled.
    const outcome = await stub.runCompaction(Date.now() + HOUR, { waitMs: 0 }).then(
      () => "finished",
      (e: unknown) => `failed: ${(e as Error).message}`,
    );
    expect(outcome).toBe("failed: killed mid-compaction");
    expect(stalled.length).toBe(1);
    const abandoned = stalled[0]!.split("/")[1]!;
    expect(sources).not.toContain(abandoned);

    // Readers still see the two source blocks only.
    expect(await liveSamples(tenant)).toEqual({ blocks: sources, samples: pushed });
    const pendingUploads = await runInDurableObject(tenantDO(tenant), (obj: Tenant) => obj.blocks.catalog.pendingUploads().map((u) => u.ulid));
    expect(pendingUploads).toEqual([abandoned]);
    await sleepPastIndexCache();
    expect(await snapshot(tenant, START, to)).toEqual(before);

    const r = await tenantDO(tenant).runCompaction(Date.now() + HOUR, { waitMs: 0 });
    expect(r.cleaned).toEqual([abandoned]);
    expect(r.compacted.length).toBe(1);
    expect([...r.compacted[0]!.sources].sort()).toEqual(sources);
    const merged = r.compacted[0]!.ulid;
    expect(merged).not.toBe(abandoned);
    expect(await liveSamples(tenant)).toEqual({ blocks: [merged], samples: pushed });
    // The abandoned upload left nothing; the sources wait for their deletion delay.
    expect(await blockDirsInR2(tenant)).toEqual([merged, ...sources].sort());
    await sleepPastIndexCache();
    expect(await snapshot(tenant, START, to)).toEqual(before);
  });
});
