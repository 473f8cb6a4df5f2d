/**
 * Reads a tenant's ingester heads: every query fans out to all shards in
 * parallel (a series lives in exactly one shard, so results are disjoint),
 * and XOR chunks are decoded here, in the Worker, into typed arrays.
 */
import type { Env } from "../env";
import { allShards } from "../ingester/client";
import { SelectionReader } from "../ingester/select-codec";
import { compareLabels } from "../model/labels";
import type { Matcher } from "../model/matchers";
import type { LabelHints, Querier, SelectHints, Series } from "../storage/storage";
import type { TenantId } from "../tenancy/tenant";
import type { SelectResult } from "../ingester/protocol";
import { decodeSelections } from "./chunks";
import { mergeSortedStrings } from "./merge";

export class IngesterQuerier implements Querier {
  constructor(
    private readonly env: Env,
    private readonly tenant: TenantId,
    private readonly shards: number,
  ) {}

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    const specs = matchers.map((m) => m.toSpec());
    const perShard = await allShards(this.env, this.tenant, this.shards, (stub) =>
      stub.select({
        matchers: specs,
        start: hints.start,
        end: hints.end,
        seriesOnly: hints.seriesOnly,
        limit: hints.limit,
      }),
    );
    const out = hints.seriesOnly ? labelsOnly(perShard) : decodeSelections(perShard, hints.start, hints.end);
    // Each shard's answer is sorted already; only the interleaving is left.
    return perShard.length === 1 ? out : out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  async labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const req = { matchers: matchers.map((m) => m.toSpec()), start: hints.start, end: hints.end, limit: hints.limit };
    const lists = await allShards(this.env, this.tenant, this.shards, (stub) => stub.labelNames(req));
    return mergeSortedStrings(lists, hints.limit);
  }

  async labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const req = { matchers: matchers.map((m) => m.toSpec()), start: hints.start, end: hints.end, limit: hints.limit };
    const lists = await allShards(this.env, this.tenant, this.shards, (stub) => stub.labelValues(name, req));
    return mergeSortedStrings(lists, hints.limit);
  }
}

const EMPTY = new Float64Array(0);

function labelsOnly(answers: readonly SelectResult[]): Series[] {
  const out: Series[] = [];
  for (const a of answers) {
    const r = new SelectionReader(a);
    while (r.next()) out.push({ labels: r.labels, timestamps: EMPTY, values: EMPTY });
  }
  return out;
}