/**
 * POST /api/v1/push and /api/v1/write: the distributor's entry point.
 *
 * Order of work: negotiate the protocol (415), bound and decode the body
 * (413, 400), validate every series, write every valid one, and only then
 * answer — 204 when everything was written, 400 naming the first problem
 * when something was not (Mimir's behaviour: Prometheus drops a batch on a
 * 4xx, so the valid part must already be stored), 5xx only when an ingester
 * failed and the sender should retry.
 */
import type { Context } from "hono";
import type { Limits } from "../config/limits";
import type { PushRejection } from "../ingester/protocol";
import type { Label } from "../model/labels";
import { applyHATracker, sentCounts } from "../distributor/ha";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import { negotiateWrite } from "./content-type";
import { DecodeError } from "./decode-error";
import { distribute, type AcceptedSeries } from "../distributor/distribute";
import { seriesLabels, type DecodedWriteRequest, type Exemplar, type MetricMetadata } from "./request";
import { decodeWriteRequestV1 } from "./rw1";
import { decodeWriteRequestV2 } from "./rw2";
import { decodedBodyScratch, giveRefColumn } from "./scratch";
import { decodeSnappy, SnappyError } from "./snappy";
import { LabelChecker, validateExemplar, validateMetadata, validateSeries, type ValidationLimits } from "./validate";
import { ProtobufError } from "../proto/reader";
import { allowIngestion, rateLimitMessage } from "../distributor/rate-limit";

/** Largest accepted body as sent (snappy-compressed). */
export const DEFAULT_MAX_REQUEST_BYTES = 16 << 20;
/** Largest accepted body after snappy decoding (Mimir: 100 MiB; a Worker has 128 MB). */
export const DEFAULT_MAX_DECODED_BYTES = 64 << 20;

export const SAMPLES_WRITTEN = "X-Prometheus-Remote-Write-Samples-Written";
export const HISTOGRAMS_WRITTEN = "X-Prometheus-Remote-Write-Histograms-Written";
export const EXEMPLARS_WRITTEN = "X-Prometheus-Remote-Write-Exemplars-Written";

interface Written {
  samples: number;
  histograms: number;
  exemplars: number;
}

function reply(status: number, written: Written, message?: string): Response {
  const headers = new Headers({
    [SAMPLES_WRITTEN]: String(written.samples),
    [HISTOGRAMS_WRITTEN]: String(written.histograms),
    [EXEMPLARS_WRITTEN]: String(written.exemplars),
  });
  if (message === undefined) return new Response(null, { status, headers });
  headers.set("Content-Type", "text/plain; charset=utf-8");
  return new Response(message + "\n", { status, headers });
}

const NOTHING: Written = { samples: 0, histograms: 0, exemplars: 0 };

function intVar(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

export function validationLimits(l: Limits): ValidationLimits {
  return {
    maxLabelNameLength: l.max_label_name_length,
    maxLabelValueLength: l.max_label_value_length,
    maxLabelNamesPerSeries: l.max_label_names_per_series,
    maxLabelNamesPerInfoSeries: Math.max(80, l.max_label_names_per_series),
    creationGracePeriodMs: l.creation_grace_period,
    pastGracePeriodMs: 0,
    outOfOrderTimeWindowMs: l.out_of_order_time_window,
    maxMetadataLength: 1024,
    enforceMetadataMetricName: true,
  };
}

/** A refusal before anything was decoded (bad tenant), with the written counts at zero. */
export function refusePush(status: number, message: string): Response {
  return reply(status, NOTHING, message);
}

/**
 * Every answer carries the written-count headers, a transient failure
 * included: the sender must see that nothing was written and retry.
 */
export async function pushHandler(c: Context<AppEnv>): Promise<Response> {
  try {
    return await handlePush(c);
  } catch (e) {
    console.error("push failed:", e);
    return reply(500, NOTHING, `push failed: ${(e as Error).message}`);
  }
}

async function handlePush(c: Context<AppEnv>): Promise<Response> {
  const env = c.env;
  const maxBody = intVar(env.MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES);
  const declared = Number(c.req.header("Content-Length") ?? "0");
  if (declared > maxBody) {
    return reply(413, NOTHING, `request body too large: ${declared} bytes, the limit is ${maxBody}`);
  }
  const negotiated = negotiateWrite(c.req.header("Content-Type") ?? null, c.req.header("Content-Encoding") ?? null);
  if (!negotiated.ok) return reply(415, NOTHING, negotiated.message);

  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > maxBody) {
    return reply(413, NOTHING, `request body too large: ${body.length} bytes, the limit is ${maxBody}`);
  }
  let req: DecodedWriteRequest;
  try {
    // The decoded body is read only by the decoder, right here: one reused buffer serves every request.
    const raw = decodeSnappy(body, intVar(env.MAX_DECODED_BYTES, DEFAULT_MAX_DECODED_BYTES), decodedBodyScratch);
    req = negotiated.protocol === "v2" ? decodeWriteRequestV2(raw) : decodeWriteRequestV1(raw);
  } catch (e) {
    if (e instanceof SnappyError) return reply(e.kind === "too-large" ? 413 : 400, NOTHING, e.message);
    if (e instanceof DecodeError || e instanceof ProtobufError) return reply(400, NOTHING, e.message);
    throw e;
  }

  const tenant = c.get("tenants")[0]!;
  const limits = await tenantLimits(env, tenant);
  // Before validation, as in Mimir: a kept push loses its replica label first.
  const ha = await applyHATracker(env, tenant, limits, req, Date.now());
  if (ha.kind === "rejected") return reply(ha.status, ha.status === 202 ? sentCounts(req) : NOTHING, ha.message);
  const checked = checkRequest(req, validationLimits(limits), Date.now());
  const items = countItems(checked);
  const rate = { rate: limits.ingestion_rate, burst: limits.ingestion_burst_size };
  if (!allowIngestion(tenant, items, rate)) return reply(429, NOTHING, rateLimitMessage(rate, items));

  let result;
  try {
    result = await distribute(env, tenant, checked, {
      shards: limits.shards,
      outOfOrderWindowMs: limits.out_of_order_time_window,
      maxGlobalSeries: limits.max_global_series_per_user,
    });
  } catch (e) {
    console.error(`push for tenant ${tenant} failed:`, e);
    return reply(500, NOTHING, `failed pushing to ingester: ${(e as Error).message}`);
  } finally {
    // Packed, sent and answered: nothing reads the label references any more.
    giveRefColumn(req.labelRefs);
  }
  const written: Written = { samples: result.samplesWritten, histograms: 0, exemplars: result.exemplarsWritten };
  const problems = [...checked.problems, ...result.rejections.map(rejectionProblem)];
  if (problems.length === 0) return reply(204, written);

  const sentSamples = req.timestamps.length;
  const sentHistograms = req.series.reduce((n, s) => n + s.histogramCount, 0);
  const summary =
    `${sentSamples - written.samples} of ${sentSamples} samples` +
    (sentHistograms > 0 ? `, ${sentHistograms} of ${sentHistograms} histograms` : "") +
    ` rejected`;
  return reply(400, written, `${problems[0]} (${summary})`);
}

/** What the ingestion rate limit counts: samples, exemplars and metadata, as Mimir does. */
function countItems(c: CheckedRequest): number {
  let n = c.metadata.length;
  for (const s of c.series) n += s.sampleEnd - s.sampleStart + s.exemplars.length;
  return n;
}

function rejectionProblem(r: PushRejection): string {
  return r.example;
}

export interface CheckedRequest {
  symbols: readonly string[];
  /** The column the series' label references are in. */
  labelRefs: Uint32Array;
  series: AcceptedSeries[];
  /** The request's sample columns; accepted series point into them. */
  timestamps: Float64Array;
  values: Float64Array;
  metadata: MetricMetadata[];
  /** One-line descriptions, first problem first. */
  problems: string[];
}

/**
 * Validates every series, exemplar and metadata entry. Invalid series are
 * dropped whole; samples with bad timestamps are dropped one by one.
 */
export function checkRequest(req: DecodedWriteRequest, limits: ValidationLimits, now: number): CheckedRequest {
  const series: AcceptedSeries[] = [];
  const problems: string[] = [];
  const checker = new LabelChecker(req.symbols.strings, limits);
  for (const s of req.series) {
    if (s.histogramCount > 0) {
      problems.push(
        `native histograms are not supported yet: ${s.histogramCount} histogram samples of this series were not written (err-promflare-native-histograms-unsupported)`,
      );
    }
    const v = validateSeries(req, s, limits, now, checker);
    if (!v.ok) {
      problems.push(v.message);
      continue;
    }
    if (v.sampleRejection) problems.push(v.sampleRejection.message);
    if (s.exemplars.length > 0) s.exemplars = checkExemplars(seriesLabels(req, s), s.exemplars, problems);
    if (s.sampleEnd === s.sampleStart && s.exemplars.length === 0) continue;
    // The series itself, rewritten in place by validation: no object per series.
    series.push(s);
  }
  const metadata: MetricMetadata[] = [];
  for (const m of req.metadata) {
    const v = validateMetadata(m, limits);
    if (v.ok) metadata.push(v.metadata);
    else problems.push(v.message);
  }
  return { symbols: req.symbols.strings, labelRefs: req.labelRefs, series, timestamps: req.timestamps, values: req.values, metadata, problems };
}


function checkExemplars(labels: readonly Label[], exemplars: readonly Exemplar[], problems: string[]): Exemplar[] {
  const ok: Exemplar[] = [];
  for (const e of exemplars) {
    const bad = validateExemplar(labels, e);
    if (bad) problems.push(bad.message);
    else ok.push(e);
  }
  return ok;
}
