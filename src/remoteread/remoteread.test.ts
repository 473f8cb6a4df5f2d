import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import type { Series } from "../storage/storage";
import { encodeSnappy } from "../write/snappy";
import {
  ChunkEncoding,
  FrameParser,
  type ReadRequest,
  RemoteReadError,
  ResponseType,
  chunkedResponseFrames,
  chunkedSeriesToSeries,
  crc32c,
  decodeChunkedReadResponse,
  decodeFrames,
  decodeReadRequest,
  decodeReadRequestBody,
  decodeReadResponseBody,
  encodeChunkedReadResponse,
  encodeFrame,
  encodeReadRequest,
  encodeReadRequestBody,
  encodeReadResponseBody,
  negotiateResponseType,
  readChunkedResponses,
  seriesToChunkedSeries,
} from "./index";

const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

function series(labels: Record<string, string>, n: number, start = 1_700_000_000_000, step = 15_000): Series {
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = start + i * step;
    values[i] = Math.sin(i) * 100;
  }
  return { labels: labelsFromRecord(labels), timestamps, values };
}

describe("crc32c", () => {
  it("matches the standard check value", () => {
    expect(crc32c(Uint8Array.from(ascii("123456789")))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe("ReadRequest", () => {
  const req: ReadRequest = {
    queries: [
      {
        startTimestampMs: 1000,
        endTimestampMs: 2000,
        matchers: [
          { type: "=", name: "__name__", value: "up" },
          { type: "!~", name: "job", value: "a|b" },
        ],
        hints: { stepMs: 15_000, func: "rate", startMs: 700, endMs: 2000, grouping: ["job", "le"], by: true, rangeMs: 300_000 },
      },
      { startTimestampMs: -5, endTimestampMs: 0, matchers: [{ type: "!=", name: "x", value: "" }] },
    ],
    acceptedResponseTypes: [ResponseType.STREAMED_XOR_CHUNKS, ResponseType.SAMPLES],
  };

  it("round-trips, also through the snappy body", () => {
    expect(decodeReadRequest(encodeReadRequest(req))).toEqual(req);
    expect(decodeReadRequestBody(encodeReadRequestBody(req))).toEqual(req);
  });

  it("decodes a request built by hand from remote.proto", () => {
    // Query{start=1000, end=2000, matchers=[EQ __name__="up"]}, accepted_response_types=[1] (packed)
    const matcher = [0x12, 0x08, ...ascii("__name__"), 0x1a, 0x02, ...ascii("up")];
    const query = [0x08, 0xe8, 0x07, 0x10, 0xd0, 0x0f, 0x1a, matcher.length, ...matcher];
    const buf = bytes(0x0a, query.length, ...query, 0x12, 0x01, 0x01);
    expect(decodeReadRequest(buf)).toEqual({
      queries: [{ startTimestampMs: 1000, endTimestampMs: 2000, matchers: [{ type: "=", name: "__name__", value: "up" }] }],
      acceptedResponseTypes: [1],
    });
    // The same field unpacked, as older encoders write repeated enums.
    expect(decodeReadRequest(bytes(0x10, 0x01, 0x10, 0x00)).acceptedResponseTypes).toEqual([1, 0]);
  });

  it("rejects an unknown matcher type", () => {
    expect(() => decodeReadRequest(bytes(0x0a, 0x04, 0x1a, 0x02, 0x08, 0x07))).toThrow(/matcher type 7/);
  });
});

describe("negotiateResponseType", () => {
  it("takes the client's first supported type, SAMPLES by default", () => {
    expect(negotiateResponseType([])).toBe(ResponseType.SAMPLES);
    expect(negotiateResponseType([1, 0])).toBe(ResponseType.STREAMED_XOR_CHUNKS);
    expect(negotiateResponseType([7, 0])).toBe(ResponseType.SAMPLES);
    expect(negotiateResponseType([1, 0], [ResponseType.SAMPLES])).toBe(ResponseType.SAMPLES);
    expect(() => negotiateResponseType([7])).toThrow(RemoteReadError);
  });
});

describe("ReadResponse (SAMPLES)", () => {
  it("round-trips results per query, keeping NaN bits, -0 and negative timestamps", () => {
    const special: Series = {
      labels: labelsFromRecord({ __name__: "m" }),
      timestamps: Float64Array.of(-1000, 0, 1),
      values: Float64Array.of(Number.NaN, -0, 0),
    };
    const res = { results: [[series({ __name__: "up", job: "a" }, 50), special], []] };
    const back = decodeReadResponseBody(encodeReadResponseBody(res));
    expect(back.results).toHaveLength(2);
    expect(back.results[1]).toEqual([]);
    expect(back.results[0]![0]).toEqual(res.results[0]![0]);
    const s = back.results[0]![1]!;
    expect(Array.from(s.timestamps)).toEqual([-1000, 0, 1]);
    expect(Number.isNaN(s.values[0])).toBe(true);
    expect(Object.is(s.values[1], -0)).toBe(true);
  });

  it("refuses a body that declares more than the limit", () => {
    const body = encodeReadResponseBody({ results: [[series({ a: "b" }, 100)]] });
    expect(() => decodeReadResponseBody(body, 100)).toThrow(/exceeds the limit/);
  });

  it("decodes a response whose body was compressed by the generic snappy encoder", () => {
    // ReadResponse{results=[QueryResult{timeseries=[{labels=[a="b"], samples=[{value=1, timestamp=1000}]}]}]}
    const sample = [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07];
    const ts = [0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x12, sample.length, ...sample];
    const qr = [0x0a, ts.length, ...ts];
    const body = encodeSnappy(bytes(0x0a, qr.length, ...qr));
    const back = decodeReadResponseBody(body);
    expect(back.results[0]![0]!.labels).toEqual(labelsFromRecord({ a: "b" }));
    expect(Array.from(back.results[0]![0]!.timestamps)).toEqual([1000]);
    expect(Array.from(back.results[0]![0]!.values)).toEqual([1]);
  });
});

// A frame written by hand from the spec: uvarint length, CRC-32C big-endian, then
// ChunkedReadResponse{chunked_series=[{labels=[a="b"], chunks=[{min=1000, max=1000,
// type=XOR, data=<one sample t=1000 v=1.0>}]}], query_index=3}. The CRC was computed
// with an independent bitwise implementation.
const HAND_FRAME = bytes(
  0x24, 0x0b, 0x4d, 0x7a, 0xd8, 0x0a, 0x20, 0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x12, 0x16, 0x08, 0xe8,
  0x07, 0x10, 0xe8, 0x07, 0x18, 0x01, 0x22, 0x0c, 0x00, 0x01, 0xd0, 0x0f, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x10, 0x03,
);

describe("streamed chunked responses", () => {
  it("decodes a frame built by hand", () => {
    const [data] = decodeFrames(HAND_FRAME);
    const msg = decodeChunkedReadResponse(data!);
    expect(msg.queryIndex).toBe(3);
    expect(msg.chunkedSeries).toHaveLength(1);
    const cs = msg.chunkedSeries[0]!;
    expect(cs.labels).toEqual(labelsFromRecord({ a: "b" }));
    expect(cs.chunks[0]!.type).toBe(ChunkEncoding.XOR);
    expect(cs.chunks[0]!.minTimeMs).toBe(1000);
    const s = chunkedSeriesToSeries(cs);
    expect(Array.from(s.timestamps)).toEqual([1000]);
    expect(Array.from(s.values)).toEqual([1]);
    // And our encoder produces the very same bytes.
    expect(encodeFrame(encodeChunkedReadResponse(msg))).toEqual(HAND_FRAME);
  });

  it("rejects a frame whose checksum does not match", () => {
    const bad = HAND_FRAME.slice();
    bad[bad.length - 3] ^= 0x01; // flip a bit in the data
    expect(() => decodeFrames(bad)).toThrow(/checksum mismatch at offset 0/);
    const badCrc = HAND_FRAME.slice();
    badCrc[1] ^= 0x80;
    expect(() => decodeFrames(badCrc)).toThrow(RemoteReadError);
  });

  it("rejects truncated streams and oversized frames", () => {
    expect(() => decodeFrames(HAND_FRAME.subarray(0, 20))).toThrow(/ended inside a frame/);
    expect(() => decodeFrames(HAND_FRAME, 10)).toThrow(/exceeds the limit of 10/);
  });

  it("parses frames split at every byte boundary", () => {
    const two = new Uint8Array(HAND_FRAME.length * 2);
    two.set(HAND_FRAME, 0);
    two.set(HAND_FRAME, HAND_FRAME.length);
    const p = new FrameParser();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < two.length; i++) frames.push(...p.push(two.subarray(i, i + 1)));
    p.end();
    expect(frames).toHaveLength(2);
    expect(decodeChunkedReadResponse(frames[1]!).queryIndex).toBe(3);
  });

  it("round-trips series through XOR chunks and frames, splitting large series", async () => {
    const input = [series({ __name__: "up", job: "a" }, 300), series({ __name__: "up", job: "b" }, 7)];
    const chunked = input.map((s) => seriesToChunkedSeries(s));
    expect(chunked[0]!.chunks.map((c) => c.data.length > 0)).toEqual([true, true, true]); // 120+120+60
    expect(chunked[0]!.chunks[1]!.minTimeMs).toBe(input[0]!.timestamps[120]);
    expect(chunked[0]!.chunks[2]!.maxTimeMs).toBe(input[0]!.timestamps[299]);

    // A tiny frame budget forces one chunk per frame.
    const frames = [...chunkedResponseFrames(5, chunked, 1)];
    expect(frames).toHaveLength(4);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const f of frames) c.enqueue(f);
        c.close();
      },
    });
    const got = new Map<string, Series[]>();
    for await (const msg of readChunkedResponses(stream)) {
      expect(msg.queryIndex).toBe(5);
      for (const cs of msg.chunkedSeries) {
        const key = JSON.stringify(cs.labels);
        got.set(key, [...(got.get(key) ?? []), chunkedSeriesToSeries(cs)]);
      }
    }
    const a = got.get(JSON.stringify(input[0]!.labels))!;
    expect(a).toHaveLength(3);
    expect(Float64Array.from(a.flatMap((s) => Array.from(s.timestamps)))).toEqual(input[0]!.timestamps);
    expect(Float64Array.from(a.flatMap((s) => Array.from(s.values)))).toEqual(input[0]!.values);
    expect(got.get(JSON.stringify(input[1]!.labels))![0]).toEqual(input[1]);
  });

  it("merges overlapping chunks into sorted, unique samples", () => {
    const s = series({ a: "b" }, 10, 0, 10);
    const first = seriesToChunkedSeries({ ...s, timestamps: s.timestamps.subarray(0, 6), values: s.values.subarray(0, 6) });
    const second = seriesToChunkedSeries({ ...s, timestamps: s.timestamps.subarray(4), values: s.values.subarray(4) });
    const merged = chunkedSeriesToSeries({ labels: s.labels, chunks: [...first.chunks, ...second.chunks] });
    expect(merged.timestamps).toEqual(s.timestamps);
    expect(merged.values).toEqual(s.values);
  });

  it("refuses histogram chunks", () => {
    const cs = { labels: [], chunks: [{ minTimeMs: 0, maxTimeMs: 0, type: ChunkEncoding.HISTOGRAM, data: bytes(0, 0) }] };
    expect(() => chunkedSeriesToSeries(cs)).toThrow(/unsupported chunk encoding 2/);
  });
});
