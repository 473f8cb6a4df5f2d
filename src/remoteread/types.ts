/**
 * Prometheus remote-read messages (prompb remote.proto / types.proto) as
 * plain TypeScript values. Samples use the storage layer's typed-array
 * `Series`; native histograms and exemplars are not carried.
 */
import type { Labels } from "../model/labels";
import type { MatcherSpec } from "../model/matchers";
import type { Series } from "../storage/storage";

/** ReadRequest.ResponseType. */
export const ResponseType = {
  /** One snappy-compressed ReadResponse with raw samples. */
  SAMPLES: 0,
  /** A stream of CRC-framed ChunkedReadResponse messages with XOR chunks. */
  STREAMED_XOR_CHUNKS: 1,
} as const;
export type ResponseType = (typeof ResponseType)[keyof typeof ResponseType];

export interface ReadHints {
  readonly stepMs: number;
  /** The surrounding PromQL function or aggregation, e.g. "rate". */
  readonly func: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly grouping: readonly string[];
  /** True for `by`, false for `without`. */
  readonly by: boolean;
  readonly rangeMs: number;
}

export interface ReadQuery {
  readonly startTimestampMs: number;
  readonly endTimestampMs: number;
  readonly matchers: readonly MatcherSpec[];
  readonly hints?: ReadHints;
}

export interface ReadRequest {
  readonly queries: readonly ReadQuery[];
  /** In order of preference; empty means SAMPLES. Unknown values are kept as numbers. */
  readonly acceptedResponseTypes: readonly number[];
}

/** ReadResponse: one result per query, in request order. */
export interface ReadResponse {
  readonly results: readonly (readonly Series[])[];
}

/** Chunk.Encoding values (chunkenc.Encoding). */
export const ChunkEncoding = {
  UNKNOWN: 0,
  XOR: 1,
  HISTOGRAM: 2,
  FLOAT_HISTOGRAM: 3,
} as const;

export interface Chunk {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly type: number;
  readonly data: Uint8Array;
}

export interface ChunkedSeries {
  readonly labels: Labels;
  /** In start-time order; may overlap. */
  readonly chunks: readonly Chunk[];
}

export interface ChunkedReadResponse {
  readonly chunkedSeries: readonly ChunkedSeries[];
  /** Index of the ReadRequest query these series answer. */
  readonly queryIndex: number;
}

export const CONTENT_TYPE_PROTOBUF = "application/x-protobuf";
export const CONTENT_TYPE_STREAMED = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
/** Version header a remote-read client sends. */
export const REMOTE_READ_VERSION_HEADER = "X-Prometheus-Remote-Read-Version";
export const REMOTE_READ_VERSION = "0.1.0";

export class RemoteReadError extends Error {
  override readonly name = "RemoteReadError";
}
