import { describe, expect, it } from "vitest";
import { ProtoWriter } from "../proto/writer";
import { DecodeError } from "./decode-error";
import { encodeWriteRequestV1, encodeWriteRequestV2 } from "./encode";
import { decodeWriteRequestV1 } from "./rw1";
import { seriesLabels } from "./request";
import { bitsOf, L, STALE_NAN_BITS, staleNaN } from "./testutil";

describe("decodeWriteRequestV1", () => {
  it("gives each series its labels as references into one symbol table, each string once", () => {
    const series = Array.from({ length: 50 }, (_, i) => ({
      labels: [L("__name__", "node_load1"), L("instance", `host-${i % 5}`), L("job", "node"), L("zone", "")],
      samples: [{ timestamp: 1000, value: i }],
    }));
    const req = decodeWriteRequestV1(encodeWriteRequestV1({ series }));
    expect(req.series.map((s) => seriesLabels(req, s))).toEqual(series.map((s) => s.labels));
    // "__name__", "node_load1", "instance", 5 hosts, "job", "node", "zone", ""
    expect(req.symbols.strings).toHaveLength(12);
  });

  it("decodes a hand-assembled request (field numbers from remote.proto/types.proto)", () => {
    // WriteRequest{timeseries(1): TimeSeries{labels(1): {name(1)="__name__", value(2)="up"}, samples(2): {value(1)=1.0, timestamp(2)=1000}}}
    const label = [0x0a, 8, ...new TextEncoder().encode("__name__"), 0x12, 2, 0x75, 0x70];
    const one = [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]; // 1.0 little-endian
    const sample = [0x09, ...one, 0x10, 0xe8, 0x07]; // 1000 = 0xe8 0x07
    const ts = [0x0a, label.length, ...label, 0x12, sample.length, ...sample];
    const req = decodeWriteRequestV1(new Uint8Array([0x0a, ts.length, ...ts]));
    expect(req.protocol).toBe("v1");
    expect(req.series).toHaveLength(1);
    expect(seriesLabels(req, req.series[0]!)).toEqual([L("__name__", "up")]);
    expect([...req.timestamps]).toEqual([1000]);
    expect([...req.values]).toEqual([1]);
  });

  it("round-trips series, special float values, exemplars, histograms and metadata", () => {
    const body = encodeWriteRequestV1({
      series: [
        {
          labels: [L("__name__", "http_requests_total"), L("job", "api")],
          samples: [
            { timestamp: 1_700_000_000_000, value: staleNaN() },
            { timestamp: 1_700_000_015_000, value: Infinity },
            { timestamp: 1_700_000_030_000, value: -Infinity },
            { timestamp: 1_700_000_045_000, value: -0 },
            { timestamp: -5, value: 0.1 }, // pre-1970 timestamps are legal int64s
          ],
          exemplars: [{ labels: [L("trace_id", "abc")], value: 0.5, timestamp: 1_700_000_000_001 }],
          histograms: 2,
        },
        { labels: [L("__name__", "up")], samples: [{ timestamp: 1, value: 1 }] },
      ],
      metadata: [{ metricFamilyName: "http_requests_total", type: "counter", help: "Requests.", unit: "" }],
    });
    const req = decodeWriteRequestV1(body);
    expect(req.series).toHaveLength(2);
    const [a, b] = req.series;
    expect(seriesLabels(req, a!)).toEqual([L("__name__", "http_requests_total"), L("job", "api")]);
    expect([a!.sampleStart, a!.sampleEnd, b!.sampleStart, b!.sampleEnd]).toEqual([0, 5, 5, 6]);
    expect(bitsOf(req.values[0]!)).toBe(STALE_NAN_BITS);
    expect(req.values[1]).toBe(Infinity);
    expect(req.values[2]).toBe(-Infinity);
    expect(Object.is(req.values[3], -0)).toBe(true);
    expect(req.timestamps[4]).toBe(-5);
    expect([...req.timestamps.subarray(0, 4)]).toEqual([1_700_000_000_000, 1_700_000_015_000, 1_700_000_030_000, 1_700_000_045_000]);
    expect(a!.exemplars).toEqual([{ labels: [L("trace_id", "abc")], value: 0.5, timestamp: 1_700_000_000_001 }]);
    expect(a!.histogramCount).toBe(2);
    expect(b!.exemplars).toEqual([]);
    expect(req.metadata).toEqual([{ metricFamilyName: "http_requests_total", type: "counter", help: "Requests.", unit: "" }]);
  });

  it("grows the sample arrays past their first estimate", () => {
    const samples = Array.from({ length: 5000 }, (_, i) => ({ timestamp: i, value: i * 2 }));
    const req = decodeWriteRequestV1(encodeWriteRequestV1({ series: [{ labels: [L("__name__", "x")], samples }] }));
    expect(req.values.length).toBe(5000);
    expect(req.values[4999]).toBe(9998);
    expect(req.timestamps[2500]).toBe(2500);
  });

  it("skips unknown fields", () => {
    const w = new ProtoWriter();
    w.key(9, 0).uint64(42); // unknown top-level varint
    w.messageField(1).messageField(1).stringField(1, "__name__").stringField(2, "up").stringField(7, "x").join();
    w.key(15, 1).double(3); // unknown fixed64 in TimeSeries
    w.join();
    const req = decodeWriteRequestV1(w.finish());
    expect(seriesLabels(req, req.series[0]!)).toEqual([L("__name__", "up")]);
  });

  it("reads a 2.0 body as an empty 1.0 request, as the spec's reserved fields intend", () => {
    const v2 = encodeWriteRequestV2({ series: [{ labels: [L("__name__", "up")], samples: [{ timestamp: 1, value: 1 }] }] });
    const req = decodeWriteRequestV1(v2);
    expect(req.series).toEqual([]);
    expect(req.metadata).toEqual([]);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ["a truncated varint", new Uint8Array([0x0a, 0x80]), /truncated varint at offset 1/],
    ["a truncated message", encodeWriteRequestV1({ series: [{ labels: [L("a", "b")] }] }).subarray(0, 5), /runs past the end/],
    ["timeseries sent as a varint", new Uint8Array([0x08, 0x01]), /field 1 \(timeseries\) of prometheus.WriteRequest has wire type 0, want 2/],
    ["a sample value sent as a varint", new Uint8Array([0x0a, 0x04, 0x12, 0x02, 0x08, 0x01]), /field 1 \(value\) of prometheus.Sample has wire type 0, want 1/],
    ["a label overrunning its series", new Uint8Array([0x0a, 0x03, 0x0a, 0x03, 0x0a, 0x01, 0x61]), /overruns its enclosing message/],
    ["a varint longer than 10 bytes", new Uint8Array([0x10, ...new Array(10).fill(0xff), 0x01]), /longer than 10 bytes/],
  ];
  for (const [name, body, re] of bad) {
    it(`rejects ${name} with a DecodeError`, () => {
      let err: unknown;
      try {
        decodeWriteRequestV1(body);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as Error).message).toMatch(/^invalid prometheus\.WriteRequest: proto: /);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain("\n");
    });
  }
});
