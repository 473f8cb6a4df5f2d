/**
 * Applies a push to the head and tallies what happened, Mimir-style: every
 * sample is either written (stored now or already stored identically) or
 * refused for one reason, with the first refusal of each reason described.
 */
import type { Labels } from "../../model/labels";
import { formatLabels, hashLabels } from "../../model/labels";
import type { PushRejection, PushRequest, PushResult, SampleRejection } from "../../ingester/protocol";
import type { Exemplar, MetricMetadata } from "../../write/request";
import type { Head } from "./head";
import { float64Bits } from "../chunkenc/xor";
import { Append, MemSeries } from "./series";
import { forEachPackedSeries, LabelStrings, type PackedSeries } from "../../ingester/push-codec";

/** Receives what was newly stored, series by series (e.g. a WAL record builder). */
export interface IngestSink {
  add(
    ref: number,
    labels: Labels | null,
    timestamps: Float64Array,
    /** The values as IEEE 754 bits, (low, high) 32-bit halves per sample (`float64Bits`). */
    valueBits: Uint32Array,
    idx: Uint32Array,
    n: number,
    exemplars: readonly Exemplar[],
  ): void;
}

export interface IngestOutcome {
  readonly result: PushResult;
  /** Metadata that differs from what the head had. */
  readonly changedMetadata: MetricMetadata[];
}

const NO_EXEMPLARS: readonly Exemplar[] = [];

/**
 * Applies the series of a push, packed or as objects. `strings` caches label
 * strings of packed pushes across calls (one per ingester).
 */
export function ingestPush(head: Head, req: PushRequest, sink: IngestSink | null, strings?: LabelStrings): IngestOutcome {
  const window = req.outOfOrderWindowMs > 0 ? req.outOfOrderWindowMs : 0;
  const maxSeries = req.maxSeries ?? 0;
  let written = 0;
  let exemplarsWritten = 0;
  const rejections = new Map<SampleRejection, { count: number; example: string }>();
  const reject = (reason: SampleRejection, t: number, labels: Labels): void => {
    const r = rejections.get(reason);
    if (r !== undefined) r.count++;
    else rejections.set(reason, { count: 1, example: describe(reason, t, labels, window, maxSeries) });
  };
  let idx = new Uint32Array(256);
  // Series of one push share the sample columns: one bit view serves them all.
  let bitsOf: Float64Array | null = null;
  let bits: Uint32Array = new Uint32Array(0);

  /** `found` is the series if the caller already knows it; `source` gives the labels when needed. */
  const ingestSeries = (
    found: MemSeries | undefined,
    source: LabelSource,
    timestamps: Float64Array,
    values: Float64Array,
    start: number,
    end: number,
    exemplars: readonly Exemplar[],
  ): void => {
    const n = end - start;
    let s = found;
    if (s === undefined) {
      // Hashed once for the lookup and, when new, the creation.
      const labels = source.labels();
      const hash = hashLabels(labels);
      s = head.find(labels, hash);
      // Exemplars alone never create a series: it would have no samples.
      if (s === undefined && n > 0) {
        if (maxSeries > 0 && head.numSeries >= maxSeries) {
          for (let i = start; i < end; i++) reject("max-series-per-user", timestamps[i]!, labels);
          return;
        }
        s = head.getOrCreate(labels, hash);
      }
    }
    if (s === undefined) return;
    if (idx.length < n) idx = new Uint32Array(Math.max(n, idx.length * 2));
    // Values go to the head as bits so staleness markers keep their payload.
    if (values !== bitsOf) {
      bitsOf = values;
      bits = float64Bits(values);
    }
    let accepted = 0;
    for (let i = start; i < end; i++) {
      const t = timestamps[i]!;
      switch (head.append(s, t, bits[2 * i + 1]!, bits[2 * i]!, window)) {
        case Append.Appended:
          idx[accepted++] = i;
          written++;
          break;
        case Append.Exists:
          written++;
          break;
        case Append.OutOfOrder:
        case Append.ChunkFull:
          reject("sample-out-of-order", t, source.labels());
          break;
        case Append.TooOld:
          reject("sample-too-old", t, source.labels());
          break;
        case Append.Duplicate:
          reject("sample-duplicate-timestamp", t, source.labels());
          break;
      }
    }
    let newExemplars: Exemplar[] | null = null;
    if (exemplars.length > 0 && !s.empty) {
      for (const e of exemplars) {
        const r = head.appendExemplar(s, e);
        if (r === "out-of-order") continue;
        exemplarsWritten++;
        if (r === "appended") (newExemplars ??= []).push(e);
      }
    }
    if (sink !== null && (accepted > 0 || newExemplars !== null)) {
      sink.add(s.ref, s.logged ? null : source.labels(), timestamps, bits, idx, accepted, newExemplars ?? NO_EXEMPLARS);
      s.logged = true;
    }
  };

  for (const ps of req.series ?? []) {
    const source = { labels: () => ps.labels };
    ingestSeries(undefined, source, ps.timestamps, ps.values, 0, ps.timestamps.length, ps.exemplars ?? NO_EXEMPLARS);
  }
  if (req.packed !== undefined) {
    forEachPackedSeries(req.packed, strings ?? new LabelStrings(), (ps, timestamps, values, start, end, exemplars) => {
      ingestSeries(findPacked(head, ps), ps, timestamps, values, start, end, exemplars);
    });
  }

  const changedMetadata: MetricMetadata[] = [];
  for (const md of req.metadata ?? []) if (head.setMetadata(md)) changedMetadata.push(md);

  const list: PushRejection[] = [];
  for (const [reason, r] of rejections) list.push({ reason, count: r.count, example: r.example });
  return { result: { samplesWritten: written, exemplarsWritten, rejections: list }, changedMetadata };
}

interface LabelSource {
  labels(): Labels;
}

/** A known series by the sender's hash, its labels checked by symbol id. */
function findPacked(head: Head, ps: PackedSeries): MemSeries | undefined {
  const found = head.withHash(ps.hash);
  if (found === undefined) return undefined;
  const stored = head.labelIds;
  if (found instanceof MemSeries) return ps.hasSymbolIds(stored, found.labelsOffset, found.labelsCount, head.symbols) ? found : undefined;
  return found.find((s) => ps.hasSymbolIds(stored, s.labelsOffset, s.labelsCount, head.symbols));
}

function describe(reason: SampleRejection, t: number, labels: Labels, window: number, maxSeries: number): string {
  const at = `timestamp ${formatTime(t)}, series ${formatLabels(labels)}`;
  switch (reason) {
    case "sample-out-of-order":
      return `out of order sample: the series already holds a newer sample and out-of-order samples are not accepted (err-mimir-sample-out-of-order); ${at}`;
    case "sample-too-old":
      return `sample too old: it is older than the newest sample of its series by more than the out-of-order window of ${window}ms, or older than the data the ingester still accepts (err-mimir-sample-too-old); ${at}`;
    case "max-series-per-user":
      return `per-tenant series limit reached: this ingester shard already holds ${maxSeries} series, its share of max_global_series_per_user (err-mimir-max-series-per-user); ${at}`;
    case "sample-duplicate-timestamp":
      return `duplicate sample for timestamp: the series already holds a different value at this time (err-mimir-sample-duplicate-timestamp); ${at}`;
  }
}

function formatTime(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}
