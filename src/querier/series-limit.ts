/**
 * Mimir's `max_fetched_series_per_query`: a query that selects more series
 * than the tenant may fetch fails as a whole (422) rather than loading them
 * all into the Worker's 128 MB.
 */
import type { Matcher } from "../model/matchers";
import type { LabelHints, Querier, SelectHints, Series } from "../storage/storage";

/** A query went over a tenant's query limit; the API answers 422 `execution`. */
export class QueryLimitError extends Error {}

export class SeriesLimitQuerier implements Querier {
  private fetched = 0;

  constructor(
    private readonly inner: Querier,
    /** Series one request may fetch across all its selects; 0 = no limit. */
    private readonly limit: number,
  ) {}

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    const out = await this.inner.select(matchers, hints);
    this.fetched += out.length;
    if (this.fetched > this.limit) {
      throw new QueryLimitError(
        `the query exceeded the maximum number of series (limit: ${this.limit} series) (err-mimir-max-series-per-query)`,
      );
    }
    return out;
  }

  labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    return this.inner.labelNames(matchers, hints);
  }

  labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    return this.inner.labelValues(name, matchers, hints);
  }
}
