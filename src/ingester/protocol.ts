/**
 * What the distributor and the querier exchange with an ingester Durable
 * Object over RPC. Plain data only: it is structured-cloned across the stub.
 */
import type { Label } from "../model/labels";
import type { MatcherSpec } from "../model/matchers";
import type { Exemplar, MetricMetadata } from "../write/request";
import type { LabelPairCounts } from "../tsdb/head/postings";

/** One validated series of a push: labels sorted, unique, non-empty. */
export interface PushSeries {
  readonly labels: Label[];
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly exemplars?: Exemplar[];
}

export interface PushRequest {
  readonly series?: PushSeries[];
  /** More series, packed by `packShards` (push-codec.ts): what the distributor sends. */
  readonly packed?: Uint8Array;
  readonly metadata?: MetricMetadata[];
  /** Samples older than the series' newest by at most this much are accepted (0 = none). */
  readonly outOfOrderWindowMs: number;
  /** Most series this shard may hold; a push creating more is refused (0 or absent = no limit). */
  readonly maxSeries?: number;
}

/** Why an ingester refused a sample; ids follow Mimir's `err-mimir-…` names. */
export type SampleRejection =
  | "sample-out-of-order"
  | "sample-duplicate-timestamp"
  | "sample-too-old"
  | "max-series-per-user";

export interface PushRejection {
  readonly reason: SampleRejection;
  /** Samples refused for this reason. */
  readonly count: number;
  /** A one-line description of the first such sample. */
  readonly example: string;
}

export interface PushResult {
  readonly samplesWritten: number;
  readonly exemplarsWritten: number;
  readonly rejections: PushRejection[];
}

/** A chunk as sent to queriers: Prometheus XOR encoding, samples in [minTime, maxTime]. */
export interface ChunkData {
  readonly minTime: number;
  readonly maxTime: number;
  readonly data: Uint8Array;
}

export interface SelectedSeries {
  readonly labels: Label[];
  /** Time-ordered, non-overlapping; only chunks overlapping the asked range. */
  readonly chunks: ChunkData[];
}

/**
 * A shard's answer to select, packed (see select-codec.ts): the series in
 * label order, labels as indexes into `symbols`, chunks copied into `data`.
 */
export interface SelectResult {
  readonly symbols: readonly string[];
  readonly data: Uint8Array;
}

export interface SelectRequest {
  readonly matchers: MatcherSpec[];
  readonly start: number;
  readonly end: number;
  /** Labels only, no chunks. */
  readonly seriesOnly?: boolean;
  readonly limit?: number;
}

export interface LabelRequest {
  readonly matchers: MatcherSpec[];
  readonly start: number;
  readonly end: number;
  readonly limit?: number;
}

export interface ExemplarSeries {
  readonly seriesLabels: Label[];
  readonly exemplars: Exemplar[];
}

/** A shard's head as `/api/v1/status/tsdb` reports it, before shards are merged. */
export interface HeadStatus {
  readonly numSeries: number;
  /** Completed chunks and open ones. */
  readonly chunkCount: number;
  /** Oldest and newest sample in the head; null when it holds none. */
  readonly minTime: number | null;
  readonly maxTime: number | null;
  readonly labels: LabelPairCounts[];
}

/** The RPC surface of the ingester DO. */
export interface IngesterRPC {
  push(req: PushRequest): Promise<PushResult>;
  select(req: SelectRequest): Promise<SelectResult>;
  labelNames(req: LabelRequest): Promise<string[]>;
  labelValues(name: string, req: LabelRequest): Promise<string[]>;
  metadata(metric: string, limit: number): Promise<MetricMetadata[]>;
  exemplars(req: SelectRequest): Promise<ExemplarSeries[]>;
  headStatus(): Promise<HeadStatus>;
}
