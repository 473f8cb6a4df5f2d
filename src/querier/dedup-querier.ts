/**
 * Query-time replica deduplication around a Querier, as Thanos's querier
 * does with `--query.replica-label`: series equal apart from the replica
 * labels collapse into one (merged with the penalty algorithm of
 * `dedup.ts`) before PromQL sees them, and the replica labels disappear
 * from label-name and label-value results.
 *
 * Requests choose with Thanos's API parameters: `dedup=false` turns it off,
 * `replicaLabels[]=…` replaces the tenant's `query_replica_labels`.
 */
import type { Limits } from "../config/limits";
import type { Matcher } from "../model/matchers";
import type { LabelHints, Querier, SelectHints, Series } from "../storage/storage";
import { dedupSeries } from "./dedup";

/** What a request asked for; absent fields fall back to the tenant's settings. */
export interface DedupRequest {
  /** `dedup=true|false`; absent = on. */
  readonly enabled?: boolean;
  /** `replicaLabels[]`; absent or empty = the tenant's `query_replica_labels`. */
  readonly replicaLabels?: readonly string[];
}

/** Reads Thanos's `dedup` and `replicaLabels[]` parameters. */
export function dedupRequestFromParams(params: URLSearchParams): DedupRequest {
  const raw = params.get("dedup");
  const labels = params.getAll("replicaLabels[]").filter((l) => l !== "");
  const out: { enabled?: boolean; replicaLabels?: readonly string[] } = {};
  if (raw !== null && raw !== "") out.enabled = parseBool(raw);
  if (labels.length > 0) out.replicaLabels = labels;
  return out;
}

/** Go's strconv.ParseBool, which Thanos uses for `dedup`; anything else counts as true, as Thanos ignores bad values. */
function parseBool(raw: string): boolean {
  return !["0", "f", "F", "false", "FALSE", "False"].includes(raw);
}

/** The labels to deduplicate on for this request; empty = no deduplication. */
export function replicaLabelsFor(limits: Pick<Limits, "query_replica_labels">, req: DedupRequest = {}): readonly string[] {
  if (req.enabled === false) return [];
  return req.replicaLabels !== undefined && req.replicaLabels.length > 0 ? req.replicaLabels : limits.query_replica_labels;
}

/** Wraps `inner` when there is something to deduplicate on. */
export function withDedup(inner: Querier, replicaLabels: readonly string[]): Querier {
  return replicaLabels.length === 0 ? inner : new DedupQuerier(inner, replicaLabels);
}

export class DedupQuerier implements Querier {
  private readonly names: ReadonlySet<string>;

  constructor(
    private readonly inner: Querier,
    private readonly replicaLabels: readonly string[],
  ) {
    this.names = new Set(replicaLabels);
  }

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    // A series limit counts deduplicated series, so the inner select cannot apply it.
    const { limit, ...rest } = hints;
    const merged = dedupSeries(await this.inner.select(matchers, rest), this.replicaLabels, { func: hints.func });
    return limit !== undefined && limit > 0 && merged.length > limit ? merged.slice(0, limit) : merged;
  }

  async labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    // Asked without the limit, so removing replica labels cannot leave fewer than it.
    const names = (await this.inner.labelNames(matchers, { start: hints.start, end: hints.end })).filter(
      (n) => !this.names.has(n),
    );
    return cut(names, hints.limit);
  }

  async labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    if (this.names.has(name)) return [];
    return this.inner.labelValues(name, matchers, hints);
  }
}

function cut(list: string[], limit: number | undefined): string[] {
  return limit !== undefined && limit > 0 && list.length > limit ? list.slice(0, limit) : list;
}
