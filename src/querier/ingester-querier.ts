/**
 * Reads a tenant's ingester heads: every query fans out to all shards in
 * parallel (a series lives in exactly one shard, so results are disjoint),
 * and XOR chunks are decoded here, in the Worker, into typed arrays.
 */
import type { Env } from "../env";
import { allShards } from "../ingester/client";
import { SelectionReader } from "../ingester/select-codec";
import type { Matcher } from "../model/matchers";
import type { ChunkQuerier, ChunkRef, ChunkSeries, LabelHints, SelectHints, Series } from "../storage/storage";
import type { TenantId } from "../tenancy/tenant";
import type { SelectResult } from "../ingester/protocol";
import { selectedSeries } from "./chunks";
import { mergeSortedStrings } from "./merge";

export class IngesterQuerier implements ChunkQuerier {
  constructor(
    private readonly env: Env,
    private readonly tenant: TenantId,
    private readonly shards: number,
  ) {}

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    return selectedSeries(await this.selectChunks(matchers, hints), hints);
  }

  /** One sorted list per shard (a series lives in exactly one shard). */
  async selectChunks(matchers: readonly Matcher[], hints: SelectHints): Promise<ChunkSeries[][]> {
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
    return perShard.map(chunkSeriesOf);
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

/** A shard's packed answer as chunk series; chunks stay views of its one byte array. */
function chunkSeriesOf(answer: SelectResult): ChunkSeries[] {
  const r = new SelectionReader(answer);
  const out: ChunkSeries[] = [];
  while (r.next()) {
    const chunks: ChunkRef[] = new Array<ChunkRef>(r.chunks);
    for (let i = 0; i < r.chunks; i++) {
      const from = r.offsets[i]!;
      chunks[i] = { minTime: r.minTimes[i]!, maxTime: r.maxTimes[i]!, data: r.data, from, to: from + r.lengths[i]! };
    }
    out.push({ labels: r.labels, chunks });
  }
  // The head answers in compareLabels order already (Head.selectPacked).
  return out;
}
