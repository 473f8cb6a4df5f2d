/**
 * Reads several sources as one: the tenant's ingester heads, its blocks in
 * R2 and any federated stores. Series that several sources hold are merged
 * sample by sample (see mergeSeriesSets).
 *
 * Sources marked `optional` may fail without failing the query (Thanos's
 * partial response): their error becomes a warning naming the source.
 */
import type { Matcher } from "../model/matchers";
import { type ChunkSeries, isChunkQuerier, type LabelHints, type Querier, type SelectHints, type Series } from "../storage/storage";
import { selectedSeries } from "./chunks";
import { mergeSeriesSets, mergeSortedStrings } from "./merge";

export interface Source {
  readonly name: string;
  readonly querier: Querier;
  /** A failure becomes a warning instead of an error. */
  readonly optional: boolean;
}

export class MergeQuerier implements Querier {
  constructor(
    private readonly sources: readonly Source[],
    /** Collects warnings for the API response. */
    readonly warnings: string[] = [],
  ) {}

  private async all<T>(call: (q: Querier) => Promise<T>): Promise<T[]> {
    const settled = await Promise.allSettled(this.sources.map((s) => call(s.querier)));
    const out: T[] = [];
    settled.forEach((r, i) => {
      const src = this.sources[i]!;
      if (r.status === "fulfilled") out.push(r.value);
      else if (src.optional) this.warnings.push(`store ${JSON.stringify(src.name)} failed: ${errorText(r.reason)}`);
      else throw r.reason;
    });
    return out;
  }

  /**
   * Sources that hold chunks (heads, blocks) are joined per series before
   * anything is decoded; the others' decoded series are merged in after.
   * A timestamp several sources hold comes back once.
   */
  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    if (this.sources.length === 1) return this.sources[0]!.querier.select(matchers, hints);
    type Answer = { readonly chunks: ChunkSeries[][] } | { readonly series: Series[] };
    const answers = await this.all(
      async (q): Promise<Answer> => (isChunkQuerier(q) ? { chunks: await q.selectChunks(matchers, hints) } : { series: await q.select(matchers, hints) }),
    );
    const chunkLists: ChunkSeries[][] = [];
    const seriesSets: Series[][] = [];
    for (const a of answers) {
      if ("chunks" in a) chunkLists.push(...a.chunks);
      else seriesSets.push(a.series);
    }
    const decoded = selectedSeries(chunkLists, hints);
    const merged = seriesSets.length === 0 ? decoded : mergeSeriesSets([decoded, ...seriesSets]);
    return hints.limit && merged.length > hints.limit ? merged.slice(0, hints.limit) : merged;
  }

  async labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    return mergeSortedStrings(await this.all((q) => q.labelNames(matchers, hints)), hints.limit);
  }

  async labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    return mergeSortedStrings(await this.all((q) => q.labelValues(name, matchers, hints)), hints.limit);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
