import { describe, expect, it } from "vitest";
import { ProtoReader, ProtobufError, StringInterner, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from "./reader";
import { ProtoWriter } from "./writer";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("varints", () => {
  it("decodes the protobuf documentation examples", () => {
    // 150 is the canonical example in the protobuf encoding guide: 0x96 0x01.
    expect(new ProtoReader(bytes(0x96, 0x01)).uint64()).toBe(150);
    expect(new ProtoReader(bytes(0x01)).uint64()).toBe(1);
    // -1 as int64 is ten bytes: nine 0xff then 0x01.
    expect(new ProtoReader(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).int64()).toBe(-1);
  });

  it("round-trips unsigned and signed values across byte boundaries", () => {
    const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1.7e12, 2 ** 53 - 1];
    const w = new ProtoWriter(4);
    // zigzag doubles the magnitude, so the writer's sint64 is exact within ±2^52.
    const zig = (v: number) => Math.min(v, 2 ** 52);
    for (const v of values) w.uint64(v).int64(-v).sint64(zig(v)).sint64(-zig(v));
    const r = new ProtoReader(w.finish());
    for (const v of values) {
      expect(r.uint64()).toBe(v);
      expect(r.int64()).toBe(-v === 0 ? 0 : -v);
      expect(r.sint64()).toBe(zig(v));
      expect(r.sint64()).toBe(-zig(v) === 0 ? 0 : -zig(v));
    }
    expect(r.pos).toBe(r.end);
  });

  it("reads uint32 on its one- and two-byte paths and past them, ending where the buffer ends", () => {
    const values = [0, 5, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 32 - 1, 2 ** 32 + 7];
    const w = new ProtoWriter(4);
    for (const v of values) w.uint64(v);
    const r = new ProtoReader(w.finish());
    // uint32 keeps the low 32 bits, as protobuf does.
    expect(values.map(() => r.uint32())).toEqual(values.map((v) => v % 2 ** 32));
    expect(r.pos).toBe(r.end);
    // A two-byte varint cut after its first byte is truncated, not read past the end.
    expect(() => new ProtoReader(bytes(0x96)).uint32()).toThrow(ProtobufError);
    expect(new ProtoReader(bytes(0x96, 0x01, 0x05), 0, 3).uint32()).toBe(150);
  });

  it("writes the canonical encodings", () => {
    expect([...new ProtoWriter().uint64(150).finish()]).toEqual([0x96, 0x01]);
    expect([...new ProtoWriter().int64(-2).finish()]).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    // zigzag: -1 → 1, 1 → 2, -2 → 3
    expect([...new ProtoWriter().sint64(-1).sint64(1).sint64(-2).finish()]).toEqual([1, 2, 3]);
  });

  it("rejects a truncated varint with its offset", () => {
    const r = new ProtoReader(bytes(0x01, 0x80, 0x80));
    r.uint64();
    expect(() => r.uint64()).toThrow(new ProtobufError("truncated varint", 1));
    expect(() => new ProtoReader(bytes(0x01, 0x80, 0x80)).uint64() && r.uint64()).toThrow(/truncated varint at offset 1/);
  });

  it("rejects a varint longer than 10 bytes", () => {
    const eleven = new Uint8Array(11).fill(0xff);
    eleven[10] = 0x01;
    expect(() => new ProtoReader(eleven).uint64()).toThrow(/varint longer than 10 bytes at offset 0/);
  });

  it("rejects a 10-byte varint that overflows 64 bits", () => {
    const ten = new Uint8Array(10).fill(0xff);
    ten[9] = 0x02;
    expect(() => new ProtoReader(ten).uint64()).toThrow(/overflows 64 bits/);
  });
});

describe("fields", () => {
  it("keeps NaN payloads, infinities and negative zero bit-exactly", () => {
    const stale = new DataView(new ArrayBuffer(8));
    stale.setUint32(0, 0x7ff00000, false);
    stale.setUint32(4, 0x00000002, false); // Prometheus's stale marker
    const staleNaN = stale.getFloat64(0, false);
    const w = new ProtoWriter().double(staleNaN).double(Infinity).double(-Infinity).double(-0);
    const buf = w.finish();
    // Bytes are little-endian: the payload 0x02 comes first.
    expect([...buf.subarray(0, 8)]).toEqual([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
    const r = new ProtoReader(buf);
    const back = new DataView(new ArrayBuffer(8));
    back.setFloat64(0, r.double(), true);
    expect(back.getUint32(0, true)).toBe(2);
    expect(back.getUint32(4, true)).toBe(0x7ff00000);
    expect(r.double()).toBe(Infinity);
    expect(r.double()).toBe(-Infinity);
    expect(Object.is(r.double(), -0)).toBe(true);
  });

  it("round-trips nested messages whose length prefix needs several bytes", () => {
    const long = "x".repeat(300);
    const w = new ProtoWriter(8);
    w.messageField(1).stringField(2, long).messageField(3).stringField(1, "é✓").join().join();
    const r = new ProtoReader(w.finish());
    expect(r.key()).toBe((1 << 3) | WIRE_LEN);
    const end = r.messageEnd();
    expect(r.key()).toBe((2 << 3) | WIRE_LEN);
    expect(r.string()).toBe(long);
    expect(r.key()).toBe((3 << 3) | WIRE_LEN);
    const inner = r.messageEnd();
    expect(r.key()).toBe((1 << 3) | WIRE_LEN);
    expect(r.string()).toBe("é✓");
    r.finish(inner);
    r.finish(end);
    expect(r.pos).toBe(r.end);
  });

  it("rejects a length running past the end", () => {
    const r = new ProtoReader(bytes(0x0a, 0x05, 0x61));
    r.key();
    expect(() => r.string()).toThrow(/length 5 runs past the end of the buffer \(1 bytes left\) at offset 1/);
  });

  it("rejects a truncated fixed64", () => {
    const r = new ProtoReader(bytes(0x09, 0, 0, 0));
    r.key();
    expect(() => r.double()).toThrow(/truncated fixed64 at offset 1/);
  });

  it("rejects invalid UTF-8 in strings", () => {
    expect(() => new ProtoReader(bytes(0x02, 0xc3, 0x28)).string()).toThrow(/not valid UTF-8 at offset 1/);
  });

  it("rejects field number 0 and wire types 6 and 7", () => {
    expect(() => new ProtoReader(bytes(0x02)).key()).toThrow(/invalid field number 0/);
    expect(() => new ProtoReader(bytes(0x0e)).key()).toThrow(/invalid wire type 6/);
  });

  it("skips unknown fields of every wire type, groups included", () => {
    const w = new ProtoWriter();
    w.key(1, WIRE_VARINT).uint64(2 ** 40);
    w.key(2, WIRE_FIXED64).double(1.5);
    w.key(3, WIRE_LEN).string("skip me");
    w.key(4, 5).uint64(0); // fixed32: write 4 raw bytes below
    const head = w.finish();
    const group = bytes((5 << 3) | 3, 0x08, 0x01, (6 << 3) | 3, (6 << 3) | 4, (5 << 3) | 4);
    const buf = new Uint8Array(head.length - 1 + 4 + group.length + 2);
    buf.set(head.subarray(0, head.length - 1));
    buf.set(bytes(1, 2, 3, 4), head.length - 1);
    buf.set(group, head.length + 3);
    buf.set(bytes(0x38, 0x07), head.length + 3 + group.length); // field 7 = 7
    const r = new ProtoReader(buf);
    for (;;) {
      const k = r.key();
      if (k >>> 3 === 7) {
        expect(r.uint64()).toBe(7);
        break;
      }
      r.skip(k & 7);
    }
    expect(r.pos).toBe(buf.length);
  });

  it("rejects an unterminated group", () => {
    const r = new ProtoReader(bytes((5 << 3) | 3, 0x08, 0x01));
    const k = r.key();
    expect(() => r.skip(k & 7)).toThrow(/unterminated group at offset 1/);
  });

  it("reports a field that overruns its enclosing message", () => {
    // Outer length 2, but the inner string claims 2 bytes after its key.
    const r = new ProtoReader(bytes(0x0a, 0x02, 0x0a, 0x02, 0x61, 0x62));
    r.key();
    const end = r.messageEnd();
    r.key();
    r.string();
    expect(() => r.finish(end)).toThrow(/overruns its enclosing message/);
  });

  it("names the field in a wrong wire type error", () => {
    const r = new ProtoReader(bytes(0x08, 0x01));
    const k = r.key();
    expect(() => r.wrongWireType(k, WIRE_LEN, "labels", "prometheus.TimeSeries")).toThrow(
      "proto: field 1 (labels) of prometheus.TimeSeries has wire type 0, want 2 at offset 1",
    );
  });
});

describe("strings", () => {
  it("keeps a leading byte order mark as part of the value", () => {
    const w = new ProtoWriter().string("\ufeffvalue-longer-than-the-ascii-fast-path");
    expect(new ProtoReader(w.finish()).string()).toBe("\ufeffvalue-longer-than-the-ascii-fast-path");
  });
  it("writes the same bytes for ASCII below, at and above 128 characters, empty strings and non-ASCII ones", () => {
    const utf8 = new TextEncoder();
    for (const s of ["", "a", "x".repeat(127), "y".repeat(128), "z".repeat(300), "nöde", "ab\u007f", "\u0080", "😀"]) {
      const got = new ProtoWriter(16).string(s).finish();
      const body = utf8.encode(s);
      const want = new ProtoWriter(16).bytes(body).finish();
      expect(Array.from(got), JSON.stringify(s)).toEqual(Array.from(want));
      expect(new ProtoReader(got).string()).toBe(s);
    }
  });
  it("decodes ASCII on both sides of the fast-path length", () => {
    for (const s of ["a".repeat(24), "b".repeat(25), "ü".repeat(3)]) {
      expect(new ProtoReader(new ProtoWriter().string(s).finish()).string()).toBe(s);
    }
  });
});

describe("StringInterner", () => {
  /** Strings as one message of repeated string fields, read back as references into a fresh table. */
  function internAll(interner: StringInterner, strings: readonly string[]): { table: { strings: string[]; add(s: string): number }; refs: number[] } {
    const w = new ProtoWriter();
    for (const s of strings) w.stringField(1, s);
    const r = new ProtoReader(w.finish());
    const table = {
      strings: [] as string[],
      add(s: string): number {
        this.strings.push(s);
        return this.strings.length - 1;
      },
    };
    const refs: number[] = [];
    while (r.pos < r.end) {
      r.key();
      refs.push(r.internedRef(interner, table));
    }
    return { table, refs };
  }

  it("gives back every string exactly, through slot collisions, tails and non-ASCII", () => {
    // Far more distinct strings than slots, with lengths around the 4-byte steps,
    // strings that differ only in their last byte, non-ASCII and over-long ones.
    const strings: string[] = [];
    for (let i = 0; i < 12_000; i++) strings.push(`v${i}`.padEnd(1 + (i % 13), "x"));
    for (let i = 0; i < 50; i++) strings.push(`same-prefix-${"y".repeat(i % 9)}${String.fromCharCode(97 + (i % 26))}`);
    strings.push("ünïcödé", "日本", "z".repeat(65), "z".repeat(64));
    const interner = new StringInterner();
    for (let round = 0; round < 2; round++) {
      const { table, refs } = internAll(interner, strings);
      expect(refs.map((ref) => table.strings[ref])).toEqual(strings);
    }
  });

  it("adds a repeated string to a table once and returns the same string object", () => {
    const interner = new StringInterner();
    const { table, refs } = internAll(interner, ["job", "node", "job", "instance", "node", "job"]);
    expect(refs).toEqual([0, 1, 0, 2, 1, 0]);
    expect(table.strings).toEqual(["job", "node", "instance"]);
    // A new table gets its own references for the cached strings.
    const again = internAll(interner, ["instance", "job"]);
    expect(again.refs).toEqual([0, 1]);
    expect(again.table.strings).toEqual(["instance", "job"]);
  });
});
