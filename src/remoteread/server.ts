/**
 * `POST /api/v1/read`: promflare as a Prometheus remote-read endpoint. Each
 * query of the ReadRequest is a select through the tenant's querier; the
 * answer is either one snappy ReadResponse (SAMPLES) or, when the client
 * accepts it, a stream of CRC-framed ChunkedReadResponse messages
 * (STREAMED_XOR_CHUNKS) encoded lazily as the client reads.
 *
 * All selects finish before the response starts, so a failing source turns
 * into an HTTP error status rather than a truncated stream.
 */
import type { Context } from "hono";
import { Matcher } from "../model/matchers";
import { FEDERATED_READ_HEADER } from "../querier/remote-read-querier";
import { tenantQuerier } from "../querier/querier";
import type { SelectHints, Series } from "../storage/storage";
import { tenantLimits } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import { chunkedResponseFrames, seriesToChunkedSeries } from "./chunks";
import { decodeReadRequestBody, encodeReadResponseBody, negotiateResponseType } from "./codec";
import { CONTENT_TYPE_PROTOBUF, CONTENT_TYPE_STREAMED, type ReadQuery, ResponseType } from "./types";

/** Largest accepted request body, compressed; read requests are a few hundred bytes. */
export const MAX_READ_REQUEST_BYTES = 1 << 20;
const MAX_DECODED_REQUEST_BYTES = 4 << 20;

/**
 * Samples one SAMPLES response may carry (Prometheus's
 * `--storage.remote.read-sample-limit` defaults to 5e7; a Worker's 128 MB
 * cannot hold that much in one protobuf). Streamed responses are not limited:
 * they never hold more than one frame encoded.
 */
export const SAMPLES_RESPONSE_LIMIT = 5_000_000;

interface Selection {
  readonly matchers: Matcher[];
  readonly hints: SelectHints;
}

export async function remoteReadHandler(c: Context<AppEnv>): Promise<Response> {
  const tenant = c.get("tenants")[0]!;
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > MAX_READ_REQUEST_BYTES) {
    return text(`request body of ${body.length} bytes exceeds the limit of ${MAX_READ_REQUEST_BYTES}`, 413);
  }
  let selections: Selection[];
  let type: ResponseType;
  try {
    const req = decodeReadRequestBody(body, MAX_DECODED_REQUEST_BYTES);
    type = negotiateResponseType(req.acceptedResponseTypes);
    selections = req.queries.map(toSelection);
  } catch (e) {
    return text(`bad remote read request: ${messageOf(e)}`, 400);
  }

  // A request from another promflare's store querier gets only this tenant's
  // own data: stores that list each other must not read in a circle.
  const federated = c.req.header(FEDERATED_READ_HEADER) !== undefined;
  const partialResponse = c.req.query("partial_response") !== "false";
  const { querier, warnings } = tenantQuerier(c.env, tenant, await tenantLimits(c.env, tenant), {
    partialResponse,
    federatedStores: !federated,
  });
  let results: Series[][];
  try {
    results = await Promise.all(selections.map((s) => querier.select(s.matchers, s.hints)));
  } catch (e) {
    return text(`remote read failed: ${messageOf(e)}`, 503);
  }
  // Remote read has no place for warnings; leave a trace for the operator.
  for (const w of warnings) console.warn(`remote read for tenant ${tenant}: ${w}`);

  if (type === ResponseType.STREAMED_XOR_CHUNKS) {
    return new Response(frameStream(results), { headers: { "Content-Type": CONTENT_TYPE_STREAMED } });
  }
  let samples = 0;
  for (const r of results) for (const s of r) samples += s.timestamps.length;
  if (samples > SAMPLES_RESPONSE_LIMIT) {
    return text(`exceeded sample limit (${SAMPLES_RESPONSE_LIMIT}); ask for STREAMED_XOR_CHUNKS or a shorter range`, 400);
  }
  return new Response(encodeReadResponseBody({ results }), {
    headers: { "Content-Type": CONTENT_TYPE_PROTOBUF, "Content-Encoding": "snappy" },
  });
}

function toSelection(q: ReadQuery): Selection {
  if (q.matchers.length === 0) throw new Error("query has no matchers");
  if (q.endTimestampMs < q.startTimestampMs) throw new Error("end timestamp is before start timestamp");
  const h = q.hints;
  const hints: SelectHints = {
    start: q.startTimestampMs,
    end: q.endTimestampMs,
    // Prometheus asks with func "series" when it only needs labels.
    seriesOnly: h?.func === "series",
    ...(h && h.stepMs > 0 ? { step: h.stepMs } : {}),
    ...(h && h.func !== "" ? { func: h.func } : {}),
  };
  return { matchers: q.matchers.map((m) => Matcher.from(m)), hints };
}

/**
 * Bytes of frames gathered into one stream chunk. Each chunk written costs
 * a trip through the runtime's I/O; one frame per chunk made a 200-series
 * answer several times slower than batching, while memory stays bounded by
 * this size plus one frame.
 */
const STREAM_CHUNK_BYTES = 64 << 10;

function frameStream(results: readonly (readonly Series[])[]): ReadableStream<Uint8Array> {
  const frames = allFrames(results);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const batch: Uint8Array[] = [];
      let bytes = 0;
      let done = false;
      while (bytes < STREAM_CHUNK_BYTES) {
        const next = frames.next();
        if (next.done) {
          done = true;
          break;
        }
        batch.push(next.value);
        bytes += next.value.length;
      }
      if (batch.length > 0) controller.enqueue(concatAll(batch, bytes));
      if (done) controller.close();
    },
  });
}

function concatAll(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function* allFrames(results: readonly (readonly Series[])[]): Generator<Uint8Array> {
  for (let i = 0; i < results.length; i++) {
    yield* chunkedResponseFrames(i, chunked(results[i]!));
  }
}

function* chunked(series: readonly Series[]) {
  for (const s of series) yield seriesToChunkedSeries(s);
}

function text(message: string, status: number): Response {
  return new Response(message.replace(/\n/g, " ") + "\n", { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
