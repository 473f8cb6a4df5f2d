/**
 * Protobuf encoding of remote-read ReadRequest and ReadResponse (the
 * SAMPLES response type), plus the snappy-compressed bodies both travel in.
 */
import { type Label, type Labels, sortLabels } from "../model/labels";
import type { MatchType, MatcherSpec } from "../model/matchers";
import { ProtoReader, ProtobufError, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from "../proto/reader";
import { ProtoWriter } from "../proto/writer";
import type { Series } from "../storage/storage";
import { decodeSnappy, encodeSnappy } from "../write/snappy";
import { type ReadHints, type ReadQuery, type ReadRequest, type ReadResponse, RemoteReadError, ResponseType } from "./types";

const MATCH_TYPES: readonly MatchType[] = ["=", "!=", "=~", "!~"];

// ---- ReadRequest ----

export function encodeReadRequest(req: ReadRequest): Uint8Array {
  const w = new ProtoWriter(256);
  for (const q of req.queries) {
    w.messageField(1);
    writeQuery(w, q);
    w.join();
  }
  w.packedUint64Field(2, req.acceptedResponseTypes);
  return w.finish();
}

function writeQuery(w: ProtoWriter, q: ReadQuery): void {
  w.int64Field(1, q.startTimestampMs).int64Field(2, q.endTimestampMs);
  for (const m of q.matchers) {
    w.messageField(3)
      .uint64Field(1, matchTypeCode(m.type))
      .stringField(2, m.name)
      .stringField(3, m.value)
      .join();
  }
  if (q.hints !== undefined) {
    const h = q.hints;
    w.messageField(4).int64Field(1, h.stepMs).stringField(2, h.func).int64Field(3, h.startMs).int64Field(4, h.endMs);
    for (const g of h.grouping) w.key(5, WIRE_LEN).string(g);
    if (h.by) w.uint64Field(6, 1);
    w.int64Field(7, h.rangeMs).join();
  }
}

function matchTypeCode(t: MatchType): number {
  return MATCH_TYPES.indexOf(t);
}

export function decodeReadRequest(buf: Uint8Array): ReadRequest {
  const r = new ProtoReader(buf);
  const queries: ReadQuery[] = [];
  const accepted: number[] = [];
  while (r.pos < r.end) {
    const key = r.key();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === WIRE_LEN) {
      queries.push(readQuery(r, r.messageEnd()));
    } else if (field === 2 && wt === WIRE_LEN) {
      const end = r.messageEnd();
      while (r.pos < end) accepted.push(r.uint32());
      r.finish(end);
    } else if (field === 2 && wt === WIRE_VARINT) {
      accepted.push(r.uint32());
    } else {
      r.skip(wt);
    }
  }
  return { queries, acceptedResponseTypes: accepted };
}

function readQuery(r: ProtoReader, end: number): ReadQuery {
  let start = 0;
  let stop = 0;
  const matchers: MatcherSpec[] = [];
  let hints: ReadHints | undefined;
  while (r.pos < end) {
    const key = r.key();
    const wt = key & 7;
    switch (key >>> 3) {
      case 1:
        if (wt !== WIRE_VARINT) r.wrongWireType(key, WIRE_VARINT, "start_timestamp_ms", "Query");
        start = r.int64();
        break;
      case 2:
        if (wt !== WIRE_VARINT) r.wrongWireType(key, WIRE_VARINT, "end_timestamp_ms", "Query");
        stop = r.int64();
        break;
      case 3:
        if (wt !== WIRE_LEN) r.wrongWireType(key, WIRE_LEN, "matchers", "Query");
        matchers.push(readMatcher(r, r.messageEnd()));
        break;
      case 4:
        if (wt !== WIRE_LEN) r.wrongWireType(key, WIRE_LEN, "hints", "Query");
        hints = readHints(r, r.messageEnd());
        break;
      default:
        r.skip(wt);
    }
  }
  r.finish(end);
  return hints === undefined
    ? { startTimestampMs: start, endTimestampMs: stop, matchers }
    : { startTimestampMs: start, endTimestampMs: stop, matchers, hints };
}

function readMatcher(r: ProtoReader, end: number): MatcherSpec {
  const at = r.pos;
  let code = 0;
  let name = "";
  let value = "";
  while (r.pos < end) {
    const key = r.key();
    const wt = key & 7;
    const field = key >>> 3;
    if (field === 1 && wt === WIRE_VARINT) code = r.uint32();
    else if (field === 2 && wt === WIRE_LEN) name = r.string();
    else if (field === 3 && wt === WIRE_LEN) value = r.string();
    else r.skip(wt);
  }
  r.finish(end);
  const type = MATCH_TYPES[code];
  if (type === undefined) throw new ProtobufError(`unknown label matcher type ${code}`, at);
  return { type, name, value };
}

function readHints(r: ProtoReader, end: number): ReadHints {
  let stepMs = 0;
  let func = "";
  let startMs = 0;
  let endMs = 0;
  const grouping: string[] = [];
  let by = false;
  let rangeMs = 0;
  while (r.pos < end) {
    const key = r.key();
    const wt = key & 7;
    const field = key >>> 3;
    if (field === 1 && wt === WIRE_VARINT) stepMs = r.int64();
    else if (field === 2 && wt === WIRE_LEN) func = r.string();
    else if (field === 3 && wt === WIRE_VARINT) startMs = r.int64();
    else if (field === 4 && wt === WIRE_VARINT) endMs = r.int64();
    else if (field === 5 && wt === WIRE_LEN) grouping.push(r.string());
    else if (field === 6 && wt === WIRE_VARINT) by = r.bool();
    else if (field === 7 && wt === WIRE_VARINT) rangeMs = r.int64();
    else r.skip(wt);
  }
  r.finish(end);
  return { stepMs, func, startMs, endMs, grouping, by, rangeMs };
}

/**
 * Picks the response type: the first of the client's accepted types the
 * server supports; SAMPLES when the client lists none.
 */
export function negotiateResponseType(
  accepted: readonly number[],
  supported: readonly ResponseType[] = [ResponseType.SAMPLES, ResponseType.STREAMED_XOR_CHUNKS],
): ResponseType {
  if (accepted.length === 0) return ResponseType.SAMPLES;
  for (const t of accepted) if ((supported as readonly number[]).includes(t)) return t as ResponseType;
  throw new RemoteReadError(`server does not support any of the requested response types: ${accepted.join(", ")}`);
}

// ---- ReadResponse (SAMPLES) ----

export function encodeReadResponse(res: ReadResponse): Uint8Array {
  let samples = 0;
  for (const result of res.results) for (const s of result) samples += s.timestamps.length;
  const w = new ProtoWriter(64 + samples * 20);
  for (const result of res.results) {
    w.messageField(1);
    for (const s of result) {
      w.messageField(1);
      writeLabels(w, 1, s.labels);
      const ts = s.timestamps;
      const vs = s.values;
      for (let i = 0; i < ts.length; i++) w.messageField(2).doubleField(1, vs[i]!).int64Field(2, ts[i]!).join();
      w.join();
    }
    w.join();
  }
  return w.finish();
}

export function writeLabels(w: ProtoWriter, field: number, labels: Labels): void {
  for (const l of labels) w.messageField(field).stringField(1, l.name).stringField(2, l.value).join();
}

export function decodeReadResponse(buf: Uint8Array): ReadResponse {
  const r = new ProtoReader(buf);
  const results: Series[][] = [];
  while (r.pos < r.end) {
    const key = r.key();
    const wt = key & 7;
    if (key >>> 3 !== 1) {
      r.skip(wt);
      continue;
    }
    if (wt !== WIRE_LEN) r.wrongWireType(key, WIRE_LEN, "results", "ReadResponse");
    const end = r.messageEnd();
    const series: Series[] = [];
    while (r.pos < end) {
      const k = r.key();
      if (k >>> 3 === 1 && (k & 7) === WIRE_LEN) series.push(readTimeSeries(r, r.messageEnd()));
      else r.skip(k & 7);
    }
    r.finish(end);
    results.push(series);
  }
  return { results };
}

/** A TimeSeries with float samples; histograms and exemplars are skipped. */
function readTimeSeries(r: ProtoReader, end: number): Series {
  const labels: Label[] = [];
  // Count samples first so the arrays are allocated once at their final size.
  const start = r.pos;
  let n = 0;
  while (r.pos < end) {
    const key = r.key();
    if (key >>> 3 === 2 && (key & 7) === WIRE_LEN) {
      r.pos = r.messageEnd();
      n++;
    } else if (key >>> 3 === 1 && (key & 7) === WIRE_LEN) {
      labels.push(readLabel(r, r.messageEnd()));
    } else {
      r.skip(key & 7);
    }
  }
  r.finish(end);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  // Values as bits, so a store's staleness markers keep their payload.
  const bits = new Uint32Array(values.buffer);
  r.pos = start;
  let i = 0;
  while (r.pos < end) {
    const key = r.key();
    if (key >>> 3 !== 2 || (key & 7) !== WIRE_LEN) {
      r.skip(key & 7);
      continue;
    }
    const sEnd = r.messageEnd();
    let t = 0;
    let lo = 0;
    let hi = 0;
    while (r.pos < sEnd) {
      const k = r.key();
      if (k >>> 3 === 1 && (k & 7) === WIRE_FIXED64) {
        r.doubleBits();
        lo = r.bitsLo;
        hi = r.bitsHi;
      } else if (k >>> 3 === 2 && (k & 7) === WIRE_VARINT) t = r.int64();
      else r.skip(k & 7);
    }
    r.finish(sEnd);
    timestamps[i] = t;
    bits[2 * i] = lo;
    bits[2 * i + 1] = hi;
    i++;
  }
  return { labels: normalizeLabels(labels), timestamps, values };
}

export function readLabel(r: ProtoReader, end: number): Label {
  let name = "";
  let value = "";
  while (r.pos < end) {
    const key = r.key();
    const field = key >>> 3;
    if (field === 1 && (key & 7) === WIRE_LEN) name = r.string();
    else if (field === 2 && (key & 7) === WIRE_LEN) value = r.string();
    else r.skip(key & 7);
  }
  r.finish(end);
  return { name, value };
}

/** Labels from the wire are sorted by contract; sort anyway, cheaply when already sorted. */
export function normalizeLabels(labels: Label[]): Labels {
  for (let i = 1; i < labels.length; i++) {
    if (labels[i - 1]!.name >= labels[i]!.name) {
      sortLabels(labels);
      for (let j = 1; j < labels.length; j++) {
        if (labels[j - 1]!.name === labels[j]!.name) {
          throw new RemoteReadError(`duplicate label name ${JSON.stringify(labels[j]!.name)} in series`);
        }
      }
      break;
    }
  }
  return labels;
}

// ---- HTTP bodies ----

/** Default bound on a decoded SAMPLES body or request. */
export const DEFAULT_MAX_DECODED_BYTES = 64 << 20;

export function encodeReadRequestBody(req: ReadRequest): Uint8Array {
  return encodeSnappy(encodeReadRequest(req));
}

export function decodeReadRequestBody(body: Uint8Array, maxDecodedBytes = DEFAULT_MAX_DECODED_BYTES): ReadRequest {
  return decodeReadRequest(decodeSnappy(body, maxDecodedBytes));
}

export function encodeReadResponseBody(res: ReadResponse): Uint8Array {
  return encodeSnappy(encodeReadResponse(res));
}

export function decodeReadResponseBody(body: Uint8Array, maxDecodedBytes = DEFAULT_MAX_DECODED_BYTES): ReadResponse {
  return decodeReadResponse(decodeSnappy(body, maxDecodedBytes));
}
