/**
 * The block read path inside workerd: blocks written straight into the R2
 * binding (as ingesters upload them) plus a bucket index, read back through
 * the Prometheus API, merged with the ingester heads, and exported through
 * the admin endpoints.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminApi } from "../../src/admin/app";
import type { ListBlocksResponse } from "../../src/admin/blocks";
import { labelsFromRecord } from "../../src/model/labels";
import { Matcher } from "../../src/model/matchers";
import { BlockIndexCache } from "../../src/querier/block-index-cache";
import { BlockQuerier, BucketIndexCache } from "../../src/querier/block-querier";
import {
  type BucketIndex,
  blockFromMeta,
  emptyBucketIndex,
  withBlock,
  withDeletionMark,
  writeBucketIndex,
} from "../../src/storage/bucket-index";
import { type BlockSeries, writeBlockToMemory } from "../../src/tsdb/block/block-writer";
import { newULID } from "../../src/tsdb/block/ulid";
import { blockSeries } from "../support/block-series";
import { api, push, series } from "./helpers";

const MIN = 60_000;
const HOUR = 60 * MIN;
const STEP = 15_000;
/** A round time well before now, so head and block samples never collide by accident. */
const now = Math.floor(Date.now() / MIN) * MIN;

interface Uploaded {
  readonly id: string;
  readonly index: BucketIndex;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** Writes a block to R2 under the tenant and adds it to `index` (not yet written). */
async function uploadBlock(tenant: string, index: BucketIndex, minTime: number, maxTime: number, s: BlockSeries[]): Promise<Uploaded> {
  const id = newULID();
  const w = await writeBlockToMemory(s, { ulid: id, minTime, maxTime, externalLabels: { __tenant_id__: tenant } });
  for (const [path, bytes] of w.data) await env.BLOCKS.put(`${tenant}/${id}/${path}`, bytes);
  return { id, index: withBlock(index, blockFromMeta(w.meta, Math.floor(Date.now() / 1000)), Date.now()), files: w.data };
}

const sec = (ms: number) => String(ms / 1000);

describe("queries read blocks from R2", () => {
  it("serves series that live only in blocks through query, series and labels APIs", async () => {
    const tenant = "blocks-only";
    const start = now - 4 * HOUR;
    const up = await uploadBlock(tenant, emptyBucketIndex(), start, start + 2 * HOUR, [
      blockSeries({ __name__: "cold_metric", job: "a" }, start, start + 2 * HOUR, (t) => (t - start) / 1000),
      blockSeries({ __name__: "cold_metric", job: "b" }, start, start + 2 * HOUR, () => 5),
    ]);
    await writeBucketIndex(env.BLOCKS, tenant, up.index);

    const at = start + HOUR;
    const q = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
      tenant,
      "/api/v1/query",
      { query: "cold_metric", time: sec(at) },
    );
    expect(q.status).toBe(200);
    expect(q.body.data.result).toEqual([
      { metric: { __name__: "cold_metric", job: "a" }, value: [at / 1000, "3600"] },
      { metric: { __name__: "cold_metric", job: "b" }, value: [at / 1000, "5"] },
    ]);

    const range = { start: sec(start), end: sec(start + 2 * HOUR) };
    const s = await api<Record<string, string>[]>(tenant, "/api/v1/series", { "match[]": 'cold_metric{job="b"}', ...range });
    expect(s.body.data).toEqual([{ __name__: "cold_metric", job: "b" }]);
    const names = await api<string[]>(tenant, "/api/v1/labels", range);
    expect(names.body.data).toEqual(["__name__", "job"]);
    const values = await api<string[]>(tenant, "/api/v1/label/job/values", range);
    expect(values.body.data).toEqual(["a", "b"]);
  });

  it("merges head and block samples around a cut: every timestamp once, no gap", async () => {
    const tenant = "blocks-and-head";
    // Block: [now-1h, now-5m); head: [now-10m, now], overlapping for 5 minutes.
    const blockStart = now - HOUR;
    const cut = now - 5 * MIN;
    const up = await uploadBlock(tenant, emptyBucketIndex(), blockStart, cut, [
      blockSeries({ __name__: "m", job: "j" }, blockStart, cut, (t) => t / 1000),
    ]);
    await writeBucketIndex(env.BLOCKS, tenant, up.index);
    const headSamples: [number, number][] = [];
    for (let t = now - 10 * MIN; t <= now; t += STEP) headSamples.push([t, t / 1000]);
    const res = await push(tenant, { series: [series({ __name__: "m", job: "j" }, headSamples)] });
    expect(res.status).toBe(204);

    const q = await api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(tenant, "/api/v1/query", {
      query: "m[1h]",
      time: sec(now),
    });
    expect(q.status).toBe(200);
    expect(q.body.data.result).toHaveLength(1);
    const values = q.body.data.result[0]!.values;
    // (now-1h, now] at 15 s: the range excludes its left end in Prometheus 3.
    expect(values).toHaveLength(HOUR / STEP);
    for (let i = 0; i < values.length; i++) {
      const t = now - HOUR + STEP * (i + 1);
      expect(values[i]).toEqual([t / 1000, String(t / 1000)]);
    }
  });

  it("opens only blocks overlapping the query, and never marked ones", async () => {
    const tenant = "blocks-pruned";
    const base = now - 10 * HOUR;
    const mk = (i: number) => [blockSeries({ __name__: "p", block: String(i) }, base + i * 2 * HOUR, base + (i + 1) * 2 * HOUR, () => i)];
    let up = await uploadBlock(tenant, emptyBucketIndex(), base, base + 2 * HOUR, mk(0));
    const b0 = up.id;
    up = await uploadBlock(tenant, up.index, base + 2 * HOUR, base + 4 * HOUR, mk(1));
    const b1 = up.id;
    up = await uploadBlock(tenant, up.index, base + 4 * HOUR, base + 6 * HOUR, mk(2));
    const b2 = up.id;
    await writeBucketIndex(env.BLOCKS, tenant, withDeletionMark(up.index, b2, 1, 1));

    const q = new BlockQuerier(env.BLOCKS, tenant, { indexCache: new BlockIndexCache(), bucketIndexCache: new BucketIndexCache(0) });
    const got = await q.select([new Matcher("=", "__name__", "p")], { start: base + 3 * HOUR, end: base + 6 * HOUR });
    expect(got.map((s) => s.labels)).toEqual([labelsFromRecord({ __name__: "p", block: "1" })]);
    expect(q.blocksQueried).toEqual([b1]);
    expect(q.blocksQueried).not.toContain(b0);
    // Bucket index, index (read whole: it is small), one chunk range.
    expect(q.stats.requests).toBe(3);

    // Through the API too: the marked block's series are gone.
    const s = await api<Record<string, string>[]>(tenant, "/api/v1/series", {
      "match[]": "p",
      start: sec(base),
      end: sec(base + 6 * HOUR),
    });
    expect(s.body.data.map((x) => x.block)).toEqual(["0", "1"]);
  });
});

describe("block export endpoints", () => {
  const token = "test-admin-token";
  const app = adminApi();
  const call = (path: string, auth = true) =>
    app.request(`http://promflare.test${path}`, { headers: auth ? { Authorization: `Bearer ${token}` } : {} }, { ...env, ADMIN_TOKEN: token });

  it("lists live blocks and returns their files byte for byte", async () => {
    const tenant = "blocks-export";
    const t0 = now - 6 * HOUR;
    let up = await uploadBlock(tenant, emptyBucketIndex(), t0, t0 + 2 * HOUR, [blockSeries({ __name__: "e" }, t0, t0 + 2 * HOUR, () => 1)]);
    const first = up;
    up = await uploadBlock(tenant, up.index, t0 + 2 * HOUR, t0 + 4 * HOUR, [blockSeries({ __name__: "e" }, t0 + 2 * HOUR, t0 + 4 * HOUR, () => 2)]);
    await writeBucketIndex(env.BLOCKS, tenant, withDeletionMark(up.index, up.id, 1, 1));

    expect((await call(`/api/v1/admin/tenants/${tenant}/blocks`, false)).status).toBe(401);
    const res = await call(`/api/v1/admin/tenants/${tenant}/blocks`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as ListBlocksResponse;
    expect(list.blocks.map((b) => b.block_id)).toEqual([first.id]);
    const files = list.blocks[0]!.files;
    expect(files.map((f) => f.rel_path).sort()).toEqual([...first.files.keys()].sort());

    for (const f of files) {
      const r = await call(`/api/v1/admin/tenants/${tenant}/blocks/${first.id}/${f.rel_path}`);
      expect(r.status).toBe(200);
      const got = new Uint8Array(await r.arrayBuffer());
      expect(got.length).toBe(f.size_bytes);
      expect(got).toEqual(first.files.get(f.rel_path));
    }
    expect((await call(`/api/v1/admin/tenants/${tenant}/blocks/${first.id}/chunks/000009`)).status).toBe(404);
    expect((await call(`/api/v1/admin/tenants/${tenant}/blocks/${first.id}/../x`)).status).not.toBe(200);
    expect((await call(`/api/v1/admin/tenants/${tenant}/blocks/01ARZ3NDEKTSV4RRFFQ69G5FAV/index`)).status).toBe(404);
  });
});
