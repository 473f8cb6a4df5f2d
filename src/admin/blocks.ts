/**
 * Operator endpoints to see a tenant's blocks and download them, e.g. to
 * run `promtool tsdb analyze` on a copy (`npm run blocks -- export`):
 *
 *   GET /api/v1/admin/tenants/:tenant/blocks
 *       live blocks (not marked for deletion) with their files and sizes
 *   GET /api/v1/admin/tenants/:tenant/blocks/:ulid/:file
 *       one file of a block in the bucket index, byte for byte
 *
 * They sit under /api/v1/admin, so the admin token guards them like the
 * rest of the admin API: a block holds every series of a tenant's shard
 * at once, which is an operator's view, not a tenant's query.
 */
import type { Context, Hono } from "hono";
import type { Env } from "../env";
import {
  type BucketIndexBlock,
  type BucketIndexFile,
  blockKey,
  liveBlocks,
  readBucketIndex,
} from "../storage/bucket-index";
import { isULID } from "../tsdb/block/ulid";
import { type TenantId, validateTenantId } from "../tenancy/tenant";

type AdminEnv = { Bindings: Env };

/** A live block as the list endpoint returns it. */
export interface ListedBlock {
  readonly block_id: string;
  readonly min_time: number;
  readonly max_time: number;
  readonly uploaded_at: number;
  readonly compaction_level?: number;
  readonly source?: string;
  /** Every file of the block, meta.json included, relative to its directory. */
  readonly files: readonly BucketIndexFile[];
}

export interface ListBlocksResponse {
  readonly tenant: string;
  readonly updated_at: number;
  readonly blocks: readonly ListedBlock[];
}

/** Adds the block routes to the admin app (after its token check). */
export function blocksAdminRoutes(admin: Hono<AdminEnv>): void {
  admin.get("/api/v1/admin/tenants/:tenant/blocks", async (c) => {
    const tenant = tenantParam(c);
    if (tenant instanceof Response) return tenant;
    const index = await readBucketIndex(c.env.BLOCKS, tenant);
    const blocks: ListedBlock[] = [];
    for (const b of index === null ? [] : liveBlocks(index)) blocks.push(await listedBlock(c.env.BLOCKS, tenant, b));
    const body: ListBlocksResponse = { tenant, updated_at: index?.updated_at ?? 0, blocks };
    return c.json(body);
  });

  admin.get("/api/v1/admin/tenants/:tenant/blocks/:ulid/:file{.+}", async (c) => {
    const tenant = tenantParam(c);
    if (tenant instanceof Response) return tenant;
    const ulid = c.req.param("ulid");
    const file = c.req.param("file");
    if (!isULID(ulid)) return c.text("invalid block id\n", 400);
    if (!isBlockFilePath(file)) return c.text("invalid block file path\n", 400);
    // Only blocks the catalog knows (marked ones too: an export that
    // listed a block before its mark may still fetch it).
    const index = await readBucketIndex(c.env.BLOCKS, tenant);
    if (!index?.blocks.some((b) => b.block_id === ulid)) return c.text("block not found\n", 404);
    const obj = await c.env.BLOCKS.get(blockKey(tenant, ulid, file));
    if (obj === null) return c.text("block file not found\n", 404);
    return new Response(obj.body, {
      headers: {
        "Content-Type": file === "meta.json" ? "application/json" : "application/octet-stream",
        "Content-Length": String(obj.size),
        ETag: obj.httpEtag,
      },
    });
  });
}

/** meta.json, index, chunks/NNNNNN: the files a block directory has. */
export function isBlockFilePath(path: string): boolean {
  return path === "meta.json" || path === "index" || /^chunks\/\d{6}$/.test(path);
}

async function listedBlock(bucket: R2Bucket, tenant: string, b: BucketIndexBlock): Promise<ListedBlock> {
  return {
    block_id: b.block_id,
    min_time: b.min_time,
    max_time: b.max_time,
    uploaded_at: b.uploaded_at,
    ...(b.compaction_level !== undefined ? { compaction_level: b.compaction_level } : {}),
    ...(b.source !== undefined ? { source: b.source } : {}),
    files: await filesOf(bucket, tenant, b),
  };
}

/**
 * Files with sizes: from the bucket index when it lists them (meta.json is
 * written after the list is known, so its size comes from a HEAD), else by
 * listing the block's prefix.
 */
async function filesOf(bucket: R2Bucket, tenant: string, b: BucketIndexBlock): Promise<BucketIndexFile[]> {
  if (b.files && b.files.length > 0) {
    const out = b.files.filter((f) => f.rel_path !== "meta.json").map((f) => ({ rel_path: f.rel_path, size_bytes: f.size_bytes }));
    const meta = await bucket.head(blockKey(tenant, b.block_id, "meta.json"));
    if (meta !== null) out.unshift({ rel_path: "meta.json", size_bytes: meta.size });
    return out;
  }
  const prefix = blockKey(tenant, b.block_id, "");
  const out: BucketIndexFile[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor !== undefined ? { cursor } : {}) });
    for (const o of page.objects) {
      const rel = o.key.slice(prefix.length);
      if (isBlockFilePath(rel)) out.push({ rel_path: rel, size_bytes: o.size });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return out.sort((x, y) => fileRank(x.rel_path) - fileRank(y.rel_path) || (x.rel_path < y.rel_path ? -1 : 1));
}

function fileRank(p: string): number {
  return p === "meta.json" ? 0 : p === "index" ? 1 : 2;
}

function tenantParam(c: Context<AdminEnv>): TenantId | Response {
  const id = c.req.param("tenant") ?? "";
  const err = validateTenantId(id);
  return err ? c.text(`invalid tenant: ${err}\n`, 400) : (id as TenantId);
}
