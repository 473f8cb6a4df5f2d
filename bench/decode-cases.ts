/**
 * The decode bench's cases (see decode.ts): remote_write requests through
 * each stage of the write path, timed in whatever runtime imports this.
 */
import { uncompress } from "snappyjs";
import { encodeV1, encodeV2, NodeExporterGenerator } from "./gen";
import type { DecodedWriteRequest } from "../src/write/request";
import { decodeWriteRequestV1 } from "../src/write/rw1";
import { decodeWriteRequestV2 } from "../src/write/rw2";
import { decodeSnappy } from "../src/write/snappy";
import { DEFAULT_LIMITS, LabelChecker, validateSeries } from "../src/write/validate";
import { checkRequest } from "../src/write/handler";
import { LabelStrings, packShards } from "../src/ingester/push-codec";
import { Head } from "../src/tsdb/head/head";
import { ingestPush } from "../src/tsdb/head/ingest";
import { WalRecordBuilder } from "../src/tsdb/wal/record";

export const REQUESTS = 64;
export const SAMPLES_PER_REQUEST = 2000;
const MAX_DECODED = 64 << 20;

interface Workload {
  /** The newest sample's time, as "now" for validation. */
  readonly now: number;
  readonly bodies: { readonly v1: Uint8Array[]; readonly v2: Uint8Array[] };
  readonly raw: { readonly v1: Uint8Array[]; readonly v2: Uint8Array[] };
}

let cached: Workload | undefined;

/** Built on first use, not at import: a Worker's global scope must start fast. */
function workload(): Workload {
  if (cached !== undefined) return cached;
  const batches = new NodeExporterGenerator({ seed: 42 }).batches(REQUESTS, SAMPLES_PER_REQUEST);
  const bodies = { v1: batches.map((b) => encodeV1(b)), v2: batches.map((b) => encodeV2(b)) };
  cached = {
    now: batches[batches.length - 1]![0]!.samples[0]!.timestamp,
    bodies,
    raw: { v1: bodies.v1.map((b) => decodeSnappy(b, MAX_DECODED)), v2: bodies.v2.map((b) => decodeSnappy(b, MAX_DECODED)) },
  };
  return cached;
}

function total(arrs: Uint8Array[]): number {
  return arrs.reduce((n, a) => n + a.length, 0);
}

function validateAll(req: DecodedWriteRequest, now: number): number {
  let ok = 0;
  const checker = new LabelChecker(req.symbols.strings, DEFAULT_LIMITS);
  for (const s of req.series) if (validateSeries(req, s, DEFAULT_LIMITS, now, checker).ok) ok++;
  return ok;
}

/** What the distributor does with a body before its RPCs: decode, validate, pack per shard. */
function distribute(body: Uint8Array, decode: (raw: Uint8Array) => DecodedWriteRequest, now: number): number {
  const checked = checkRequest(decode(decodeSnappy(body, MAX_DECODED)), DEFAULT_LIMITS, now);
  let bytes = 0;
  for (const p of packShards(checked.series, checked.labelRefs, checked.symbols, checked.timestamps, checked.values, 4)) bytes += p?.length ?? 0;
  return bytes;
}

/** The 4 ingesters' part: each shard's packed push into its head, WAL record included. */
class Ingesters {
  private heads: Head[] = [];
  private readonly strings = [0, 1, 2, 3].map(() => new LabelStrings());

  /** Request i of the sequence; request 0 starts from empty heads. */
  ingest(i: number, pushes: readonly (Uint8Array | null)[]): number {
    if (i === 0) this.heads = [0, 1, 2, 3].map(() => new Head());
    let bytes = 0;
    pushes.forEach((packed, sh) => {
      if (packed === null) return;
      const wal = new WalRecordBuilder();
      ingestPush(this.heads[sh]!, { packed, outOfOrderWindowMs: 0 }, wal, this.strings[sh]!);
      for (const rec of wal.finish()) bytes += rec.length;
    });
    return bytes;
  }
}

/** Every case's results are summed here so that no call can be optimised away. */
let sink = 0;

/**
 * Runs `fn` over every request in several rounds and returns the best round's
 * ns per request: the minimum is the least disturbed by GC and other load.
 */
function time(fn: (i: number) => number, rounds = 7, roundMs = 250): number {
  for (let i = 0; i < REQUESTS * 3; i++) sink += fn(i % REQUESTS); // warm-up
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < roundMs) {
      for (let i = 0; i < REQUESTS; i++) sink += fn(i);
      n += REQUESTS;
      t1 = performance.now();
    }
    best = Math.min(best, ((t1 - t0) * 1e6) / n);
  }
  return best;
}

export interface DecodeRow {
  readonly case: string;
  readonly nsPerRequest: number;
  readonly bytesIn: number;
}

/** Runs every case in this runtime; the same code runs under Node and in workerd. */
export function runDecodeCases(): DecodeRow[] {
  const { now, bodies, raw } = workload();
  const rows: DecodeRow[] = [];
  const run = (name: string, fn: (i: number) => number, inputs: Uint8Array[]): void => {
    rows.push({ case: name, nsPerRequest: time(fn), bytesIn: total(inputs) / REQUESTS });
  };
  for (const v of ["v1", "v2"] as const) {
    const b = bodies[v];
    const r = raw[v];
    const decode = v === "v1" ? decodeWriteRequestV1 : decodeWriteRequestV2;
    run(`${v} snappy (ours)`, (i) => decodeSnappy(b[i]!, MAX_DECODED).length, b);
    run(`${v} snappy (snappyjs)`, (i) => uncompress(b[i]!, MAX_DECODED).length, b);
    run(`${v} protobuf decode`, (i) => decode(r[i]!).values.length, r);
    run(`${v} decode+validate`, (i) => validateAll(decode(r[i]!), now), r); // minus the row above = validation
    run(`${v} snappy+decode+validate`, (i) => validateAll(decode(decodeSnappy(b[i]!, MAX_DECODED)), now), b);
    run(`${v} distributor (+pack 4)`, (i) => distribute(b[i]!, decode, now), b);
    const pushes = b.map((body) => {
      const c = checkRequest(decode(decodeSnappy(body, MAX_DECODED)), DEFAULT_LIMITS, now);
      return packShards(c.series, c.labelRefs, c.symbols, c.timestamps, c.values, 4).map((p) => p?.slice() ?? null);
    });
    const ingesters = new Ingesters();
    run(`${v} ingesters (4 heads+WAL)`, (i) => ingesters.ingest(i, pushes[i]!), b);
  }
  return rows;
}

/** The rows as a table, with the workload they were measured on. */
export function formatDecodeRows(rows: readonly DecodeRow[], runtime: string): string {
  const { bodies, raw } = workload();
  const lines = [
    `${REQUESTS} requests × ${SAMPLES_PER_REQUEST} samples; avg body v1 ${(total(bodies.v1) / REQUESTS / 1024).toFixed(1)} KiB ` +
      `(${(total(raw.v1) / REQUESTS / 1024).toFixed(1)} KiB raw), v2 ${(total(bodies.v2) / REQUESTS / 1024).toFixed(1)} KiB ` +
      `(${(total(raw.v2) / REQUESTS / 1024).toFixed(1)} KiB raw); ${runtime}`,
    "case                          µs/req   ns/sample   Msamples/s   MB/s (input)",
  ];
  for (const row of rows) {
    const nsPerSample = row.nsPerRequest / SAMPLES_PER_REQUEST;
    lines.push(
      `${row.case.padEnd(28)} ${(row.nsPerRequest / 1000).toFixed(1).padStart(7)} ${nsPerSample.toFixed(1).padStart(11)} ` +
        `${(1000 / nsPerSample).toFixed(2).padStart(12)} ${((row.bytesIn / row.nsPerRequest) * 1000).toFixed(1).padStart(14)}`,
    );
  }
  return lines.join("\n");
}
