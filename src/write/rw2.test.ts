import { describe, expect, it } from "vitest";
import { WIRE_LEN, WIRE_VARINT } from "../proto/reader";
import { ProtoWriter } from "../proto/writer";
import { DecodeError } from "./decode-error";
import { encodeWriteRequestV2 } from "./encode";
import { decodeWriteRequestV2 } from "./rw2";
import { seriesLabels, seriesRefs } from "./request";
import { bitsOf, L, STALE_NAN_BITS, staleNaN } from "./testutil";

/** Builds a Request by hand: symbols, then series given as raw field writers. */
function request(symbols: string[], ...series: ((w: ProtoWriter) => void)[]): Uint8Array {
  const w = new ProtoWriter();
  for (const s of symbols) w.key(4, WIRE_LEN).string(s);
  for (const s of series) {
    w.messageField(5);
    s(w);
    w.join();
  }
  return w.finish();
}

describe("decodeWriteRequestV2 symbols", () => {
  it("keeps the sent symbols table and each series' labels_refs into it", () => {
    const body = request(
      ["", "__name__", "up", "job", "a", "b"],
      (w) => w.packedUint64Field(1, [1, 2, 3, 4]),
      (w) => w.packedUint64Field(1, [1, 2, 3, 5]),
    );
    const req = decodeWriteRequestV2(body);
    expect(req.symbols.strings).toEqual(["", "__name__", "up", "job", "a", "b"]);
    expect(req.series.map((s) => Array.from(seriesRefs(req, s)))).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 5],
    ]);
    expect(seriesLabels(req, req.series[1]!)).toEqual([L("__name__", "up"), L("job", "b")]);
  });
});

function decodeError(body: Uint8Array): string {
  try {
    decodeWriteRequestV2(body);
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/^invalid io\.prometheus\.write\.v2\.Request: /);
    expect(msg).not.toContain("\n");
    return msg;
  }
  throw new Error("expected a DecodeError");
}

describe("decodeWriteRequestV2", () => {
  it("decodes a hand-assembled request (field numbers from write_v2_types.proto)", () => {
    const body = request(["", "__name__", "up", "job", "node"], (w) => {
      w.packedUint64Field(1, [1, 2, 3, 4]);
      w.messageField(2).doubleField(1, 1).int64Field(2, 1000).int64Field(3, 500).join();
    });
    const req = decodeWriteRequestV2(body);
    expect(req.protocol).toBe("v2");
    expect(seriesLabels(req, req.series[0]!)).toEqual([L("__name__", "up"), L("job", "node")]);
    expect(req.series[0]!.createdTimestamp).toBe(500);
    expect([...req.timestamps]).toEqual([1000]);
    expect([...req.values]).toEqual([1]);
  });

  it("round-trips samples bit-exactly, exemplars, histograms and metadata", () => {
    const body = encodeWriteRequestV2({
      series: [
        {
          labels: [L("__name__", "http_requests_total"), L("job", "api")],
          samples: [
            { timestamp: 1_700_000_000_000, value: staleNaN() },
            { timestamp: 1_700_000_015_000, value: Infinity },
            { timestamp: 1_700_000_030_000, value: -Infinity },
            { timestamp: 1_700_000_045_000, value: -0 },
          ],
          createdTimestamp: 1_699_999_000_000,
          exemplars: [{ labels: [L("trace_id", "abc")], value: 0.5, timestamp: 1_700_000_000_001 }],
          histograms: 3,
          metadata: { type: "counter", help: "Requests.", unit: "requests" },
        },
        {
          labels: [L("__name__", "node_load1"), L("job", "api")],
          samples: [{ timestamp: 1_700_000_000_000, value: 0.25 }],
          metadata: { type: "gauge", help: "", unit: "" },
        },
        // Same family again: metadata is collected once per metric name.
        {
          labels: [L("__name__", "http_requests_total"), L("job", "web")],
          samples: [{ timestamp: 1_700_000_000_000, value: 7 }],
          metadata: { type: "counter", help: "Requests.", unit: "requests" },
        },
      ],
    });
    const req = decodeWriteRequestV2(body);
    const [a, b, c] = req.series;
    expect([a!.sampleStart, a!.sampleEnd, b!.sampleStart, b!.sampleEnd, c!.sampleStart, c!.sampleEnd]).toEqual([0, 4, 4, 5, 5, 6]);
    expect(bitsOf(req.values[0]!)).toBe(STALE_NAN_BITS);
    expect(req.values[1]).toBe(Infinity);
    expect(req.values[2]).toBe(-Infinity);
    expect(Object.is(req.values[3], -0)).toBe(true);
    expect(req.values[4]).toBe(0.25);
    expect(a!.createdTimestamp).toBe(1_699_999_000_000);
    expect(b!.createdTimestamp).toBe(0);
    expect(a!.histogramCount).toBe(3);
    expect(a!.exemplars).toEqual([{ labels: [L("trace_id", "abc")], value: 0.5, timestamp: 1_700_000_000_001 }]);
    expect(seriesLabels(req, c!)).toEqual([L("__name__", "http_requests_total"), L("job", "web")]);
    expect(req.metadata).toEqual([
      { metricFamilyName: "http_requests_total", type: "counter", help: "Requests.", unit: "requests" },
      { metricFamilyName: "node_load1", type: "gauge", help: "", unit: "" },
    ]);
  });

  it("accepts unpacked labels_refs and timeseries before symbols", () => {
    const w = new ProtoWriter();
    w.messageField(5);
    for (const ref of [1, 2]) w.key(1, WIRE_VARINT).uint64(ref);
    w.join();
    for (const s of ["", "__name__", "up"]) w.key(4, WIRE_LEN).string(s);
    const req = decodeWriteRequestV2(w.finish());
    expect(seriesLabels(req, req.series[0]!)).toEqual([L("__name__", "up")]);
  });

  it("reads the legacy TimeSeries.created_timestamp field 6", () => {
    const body = request(["", "__name__", "up"], (w) => {
      w.packedUint64Field(1, [1, 2]);
      w.int64Field(6, 1234);
    });
    expect(decodeWriteRequestV2(body).series[0]!.createdTimestamp).toBe(1234);
  });

  it("decodes an empty request", () => {
    const req = decodeWriteRequestV2(new Uint8Array(0));
    expect(req.series).toEqual([]);
    expect(req.values.length).toBe(0);
  });

  it("rejects an odd-length labels_refs", () => {
    const body = request(["", "__name__", "up"], (w) => w.packedUint64Field(1, [1, 2, 1]));
    expect(decodeError(body)).toContain("series 0: labels_refs has odd length 3");
  });

  it("rejects a label reference past the symbols table, naming ref and size", () => {
    const body = request(
      ["", "__name__", "up"],
      (w) => w.packedUint64Field(1, [1, 2]),
      (w) => w.packedUint64Field(1, [1, 17]),
    );
    expect(decodeError(body)).toContain("series 1: labels_refs reference 17 is out of range for a symbols table of 3 entries");
  });

  it("rejects an exemplar label reference out of range", () => {
    const body = request(["", "__name__", "up"], (w) => {
      w.packedUint64Field(1, [1, 2]);
      w.messageField(4).packedUint64Field(1, [1, 9]).join();
    });
    expect(decodeError(body)).toContain("series 0 exemplar: labels_refs reference 9 is out of range");
  });

  it("rejects a metadata help_ref out of range", () => {
    const body = request(["", "__name__", "up"], (w) => {
      w.packedUint64Field(1, [1, 2]);
      w.messageField(5).uint64Field(1, 1).uint64Field(3, 5).join();
    });
    expect(decodeError(body)).toContain("series 0: metadata.help_ref reference 5 is out of range");
  });

  it("rejects references into an absent symbols table", () => {
    const body = request([], (w) => w.packedUint64Field(1, [0, 0]));
    expect(decodeError(body)).toContain("reference 0 is out of range for a symbols table of 0 entries");
  });

  it("rejects a symbols table whose first entry is not empty", () => {
    expect(decodeError(request(["__name__", "up"]))).toContain('symbols[0] must be the empty string, got "__name__"');
  });

  it("rejects a wrong wire type for a known field", () => {
    const body = request(["", "a", "b"], (w) => w.key(2, WIRE_VARINT).uint64(1));
    expect(decodeError(body)).toMatch(/field 2 \(samples\) of io\.prometheus\.write\.v2\.TimeSeries has wire type 0, want 2/);
  });

  it("rejects a truncated body", () => {
    const body = encodeWriteRequestV2({ series: [{ labels: [L("__name__", "up")], samples: [{ timestamp: 1, value: 1 }] }] });
    expect(decodeError(body.subarray(0, body.length - 3))).toMatch(/proto: (length \d+ runs past the end|truncated)/);
  });
});
