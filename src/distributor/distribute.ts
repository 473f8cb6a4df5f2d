/**
 * The distributor's back half: splits validated series by shard and pushes
 * every shard in parallel. It resolves only after every shard committed, so
 * a 2xx always means durable. A shard that fails makes the whole push fail
 * with a transient error; the sender's retry is harmless because ingesters
 * accept a repeated sample with the same value silently.
 */
import type { Env } from "../env";
import { allShards, shardOf } from "../ingester/client";
import type { PushRejection, PushRequest } from "../ingester/protocol";
import { packShards } from "../ingester/push-codec";
import { METRIC_NAME } from "../model/labels";
import type { TenantId } from "../tenancy/tenant";
import type { Exemplar, MetricMetadata } from "../write/request";

export interface AcceptedSeries {
  /** Validated labels (sorted, unique names, non-empty values): the request's labelRefs[refsStart, refsEnd). */
  readonly refsStart: number;
  readonly refsEnd: number;
  /** Its samples are [sampleStart, sampleEnd) of the request's columns. */
  readonly sampleStart: number;
  readonly sampleEnd: number;
  readonly exemplars: Exemplar[];
}

/** What is written: accepted series pointing into shared symbols and sample columns, and metadata. */
export interface AcceptedRequest {
  readonly symbols: readonly string[];
  /** The series' label references, as (name, value) references into `symbols`. */
  readonly labelRefs: Uint32Array;
  readonly series: readonly AcceptedSeries[];
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly metadata: readonly MetricMetadata[];
}

export interface DistributeOptions {
  readonly shards: number;
  readonly outOfOrderWindowMs: number;
  /** max_global_series_per_user (0 = none); each shard holds an equal share. */
  readonly maxGlobalSeries: number;
}

export interface DistributeResult {
  readonly samplesWritten: number;
  readonly exemplarsWritten: number;
  readonly rejections: PushRejection[];
}

export async function distribute(
  env: Env,
  tenant: TenantId,
  accepted: AcceptedRequest,
  opts: DistributeOptions,
): Promise<DistributeResult> {
  const { series, metadata } = accepted;
  const packed = packShards(series, accepted.labelRefs, accepted.symbols, accepted.timestamps, accepted.values, opts.shards);
  const metaPerShard: MetricMetadata[][] = Array.from({ length: opts.shards }, () => []);
  // Metadata is kept per metric name, in the shard that owns the name alone.
  for (const m of metadata) {
    metaPerShard[shardOf([{ name: METRIC_NAME, value: m.metricFamilyName }], opts.shards)]!.push(m);
  }
  const results = await allShards(env, tenant, opts.shards, (stub, shard) => {
    const shardSeries = packed[shard] ?? null;
    const shardMetadata = metaPerShard[shard]!;
    if (shardSeries === null && shardMetadata.length === 0) {
      return Promise.resolve({ samplesWritten: 0, exemplarsWritten: 0, rejections: [] });
    }
    const req: PushRequest = {
      ...(shardSeries !== null ? { packed: shardSeries } : {}),
      metadata: shardMetadata,
      outOfOrderWindowMs: opts.outOfOrderWindowMs,
      maxSeries: opts.maxGlobalSeries > 0 ? Math.ceil(opts.maxGlobalSeries / opts.shards) : 0,
    };
    return stub.push(req);
  });
  return mergeResults(results);
}

function mergeResults(results: readonly DistributeResult[]): DistributeResult {
  let samplesWritten = 0;
  let exemplarsWritten = 0;
  const byReason = new Map<string, PushRejection>();
  for (const r of results) {
    samplesWritten += r.samplesWritten;
    exemplarsWritten += r.exemplarsWritten;
    for (const rej of r.rejections) {
      const prev = byReason.get(rej.reason);
      byReason.set(rej.reason, prev ? { ...prev, count: prev.count + rej.count } : rej);
    }
  }
  return { samplesWritten, exemplarsWritten, rejections: [...byReason.values()] };
}
