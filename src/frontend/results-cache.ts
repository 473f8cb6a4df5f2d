/**
 * The results cache of range queries, Mimir's query-frontend in Worker
 * form. A result is cached in extents per UTC day, keyed by the tenant(s),
 * the query as the printer writes it, the step grid and every other
 * parameter that shapes the answer. A query is answered from the extents
 * that cover it and the engine evaluates only what they leave out: a
 * dashboard refreshing "last 6h" every minute computes about a minute
 * of steps each time instead of six hours.
 *
 * Steps within `freshness` of now are never cached, since samples for them
 * may still arrive (Mimir's `max_cache_freshness`, at least the tenant's
 * out-of-order window). Results with annotations or store warnings are not
 * cached either: they are answered in full each time.
 */
import { sha256Hex } from "../encoding/sha256";
import type { Expr } from "../promql/ast";
import type { QueryResult, QuerySeries } from "../promql/engine";
import { decodeExtents, encodeExtents, ExtentCodecError } from "./extent-codec";
import { concat, gaps, slice, stepAtOrAfter, stepAtOrBefore, withExtent, type Extent, type Interval } from "./extents";

const DAY_MS = 86_400_000;
/** Entries larger than this are not stored (a day of a very wide query). */
export const MAX_ENTRY_BYTES = 8 << 20;

/** Where extents are kept: the Workers Cache API in production (`CacheApiExtentStore`). */
export interface ExtentStore {
  get(key: string): Promise<Extent[] | undefined>;
  put(key: string, extents: readonly Extent[], ttlMs: number): Promise<void>;
}

export interface CachedRangeRequest {
  /** The query's identity: tenants, printed query, and the other result-shaping parameters. */
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

export interface CacheSettings {
  readonly ttlMs: number;
  readonly freshnessMs: number;
  readonly now: number;
  /** Lets the cache writes finish after the answer is sent (a Worker's `waitUntil`); without it they are awaited. */
  readonly background?: (write: Promise<void>) => void;
}

/** Evaluates the query over [start, end] on the request's step grid. */
export type Evaluate = (start: number, end: number) => Promise<QueryResult>;

export interface CachedRangeResult {
  readonly series: QuerySeries[];
  /** Results the engine computed for this request (their annotations and stats). */
  readonly evaluated: readonly QueryResult[];
  /** Steps answered from the cache. */
  readonly cachedSteps: number;
}

interface Part extends Interval {
  readonly series: readonly QuerySeries[];
}

/**
 * Answers a range query from cached extents plus evaluation of the rest.
 * `mayStore` is asked after evaluation (store warnings appear only then).
 */
export async function cachedRangeQuery(
  req: CachedRangeRequest,
  evaluate: Evaluate,
  store: ExtentStore,
  settings: CacheSettings,
  mayStore: () => boolean,
): Promise<CachedRangeResult> {
  const { start, end, step } = req;
  const freshEnd = stepAtOrBefore(Math.min(end, settings.now - settings.freshnessMs), start, step);
  const days = freshEnd >= start ? dayRange(start, freshEnd) : [];
  const entries = new Map<number, Extent[]>();
  await Promise.all(
    days.map(async (day) => {
      const extents = await store.get(entryKey(req, day));
      if (extents !== undefined) entries.set(day, extents);
    }),
  );

  const cached: Part[] = [];
  for (const [day, extents] of entries) {
    for (const e of extents) {
      const on = stepsOnDay(Math.max(e.start, start), Math.min(e.end, freshEnd), day, req);
      if (on !== undefined) cached.push({ ...on, series: slice(e.series, on.start, on.end) });
    }
  }
  cached.sort((a, b) => a.start - b.start);

  const missing = gaps(start, end, step, cached);
  const evaluated = await Promise.all(missing.map((g) => evaluate(g.start, g.end)));
  const computed: Part[] = missing.map((g, i) => ({ ...g, series: matrixOf(evaluated[i]!) }));

  if (mayStore() && evaluated.every((r) => r.positioned.warnings.length === 0 && r.positioned.infos.length === 0)) {
    // Best effort: a failed cache write costs the next query an evaluation, never this answer.
    const write = storeParts(req, computed, freshEnd, entries, store, settings.ttlMs).catch((e: unknown) => {
      console.error("results cache write failed:", e);
    });
    if (settings.background !== undefined) settings.background(write);
    else await write;
  }
  const parts = [...cached, ...computed].sort((a, b) => a.start - b.start);
  let cachedSteps = 0;
  for (const c of cached) cachedSteps += (c.end - c.start) / step + 1;
  return { series: concat(parts.map((p) => p.series)), evaluated, cachedSteps };
}

function matrixOf(r: QueryResult): readonly QuerySeries[] {
  if (r.value.type !== "matrix") throw new Error(`range query gave a ${r.value.type}`);
  return r.value.series;
}

/** Adds the computed steps up to `freshEnd` to their days' entries and writes the entries that changed. */
async function storeParts(
  req: CachedRangeRequest,
  computed: readonly Part[],
  freshEnd: number,
  entries: Map<number, Extent[]>,
  store: ExtentStore,
  ttlMs: number,
): Promise<void> {
  const changed = new Set<number>();
  for (const part of computed) {
    const last = Math.min(part.end, freshEnd);
    if (last < part.start) continue;
    for (const day of dayRange(part.start, last)) {
      const on = stepsOnDay(part.start, last, day, req);
      if (on === undefined) continue;
      entries.set(day, withExtent(entries.get(day) ?? [], { ...on, series: slice(part.series, on.start, on.end) }));
      changed.add(day);
    }
  }
  await Promise.all(
    [...changed].map((day) => {
      const extents = entries.get(day)!;
      return pointBytes(extents) > MAX_ENTRY_BYTES ? undefined : store.put(entryKey(req, day), extents, ttlMs);
    }),
  );
}

function pointBytes(extents: readonly Extent[]): number {
  let n = 0;
  for (const e of extents) for (const s of e.series) n += 16 * s.timestamps.length;
  return n;
}

/** The steps of the request's grid from `from` to `to` that fall on UTC day `day`, if any. */
function stepsOnDay(from: number, to: number, day: number, grid: CachedRangeRequest): Interval | undefined {
  const first = stepAtOrAfter(Math.max(from, day * DAY_MS), grid.start, grid.step);
  const last = stepAtOrBefore(Math.min(to, (day + 1) * DAY_MS - 1), grid.start, grid.step);
  return first <= last ? { start: first, end: last } : undefined;
}

function dayRange(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = Math.floor(from / DAY_MS); d <= Math.floor(to / DAY_MS); d++) out.push(d);
  return out;
}

/** Steps on different grids give different points: the grid's offset within the step is part of the key. */
function entryKey(req: CachedRangeRequest, day: number): string {
  const offset = ((req.start % req.step) + req.step) % req.step;
  return JSON.stringify([req.key, req.step, offset, day]);
}

/**
 * Whether the answer for a step depends only on that step: not so with
 * `@ start()` / `@ end()` or `range()` in a duration, which read the
 * query's whole range.
 */
export function cacheableExpr(expr: Expr): boolean {
  return !readsQueryRange(expr);
}

function readsQueryRange(x: unknown): boolean {
  if (x === null || typeof x !== "object") return false;
  if (Array.isArray(x)) return x.some(readsQueryRange);
  const node = x as Record<string, unknown>;
  if (node["startOrEnd"] !== null && node["startOrEnd"] !== undefined) return true;
  if (node["kind"] === "range") return true;
  for (const v of Object.values(node)) if (readsQueryRange(v)) return true;
  return false;
}

/** Extents in the Workers Cache API: per data centre, expiring by `Cache-Control`. */
export class CacheApiExtentStore implements ExtentStore {
  constructor(private readonly cache: Cache) {}

  async get(key: string): Promise<Extent[] | undefined> {
    const res = await this.cache.match(await this.url(key));
    if (res === undefined) return undefined;
    try {
      return decodeExtents(await res.arrayBuffer());
    } catch (e) {
      // An entry from another version: a miss, overwritten by the next store.
      if (e instanceof ExtentCodecError || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  async put(key: string, extents: readonly Extent[], ttlMs: number): Promise<void> {
    const body = encodeExtents(extents);
    const headers = { "Content-Type": "application/octet-stream", "Cache-Control": `max-age=${Math.max(1, Math.floor(ttlMs / 1000))}` };
    await this.cache.put(await this.url(key), new Response(body, { headers }));
  }

  /** The key hashed: it holds tenant ids and query text, and URLs have a length limit. */
  private async url(key: string): Promise<string> {
    return `https://results-cache.promflare.invalid/${await sha256Hex(key)}`;
  }
}
