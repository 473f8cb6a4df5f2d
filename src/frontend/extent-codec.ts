/**
 * The bytes of a results-cache entry: the extents cached for one query in
 * one day. Values keep their exact bits (NaN payloads and ±Inf included),
 * which JSON could not carry, and decode as views without copying.
 *
 *   magic u32 "PFX1" (LE) · header length u32 · header (UTF-8 JSON) · zero padding to 8
 *   then per extent, per series: timestamps f64×n, values f64×n   (little-endian)
 *
 *   header = { extents: [{ start, end, series: [{ labels: {name: value}, n }] }] }
 */
import { labelsFromRecord, labelsToRecord } from "../model/labels";
import type { Extent } from "./extents";

const MAGIC = 0x31585046; // "PFX1"

interface Header {
  extents: { start: number; end: number; series: { labels: Record<string, string>; n: number }[] }[];
}

export class ExtentCodecError extends Error {}

export function encodeExtents(extents: readonly Extent[]): Uint8Array {
  const header: Header = { extents: [] };
  let points = 0;
  for (const e of extents) {
    header.extents.push({
      start: e.start,
      end: e.end,
      series: e.series.map((s) => ({ labels: labelsToRecord(s.labels), n: s.timestamps.length })),
    });
    for (const s of e.series) points += s.timestamps.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataAt = align8(8 + json.length);
  const out = new Uint8Array(dataAt + points * 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  const data = new Float64Array(out.buffer, dataAt);
  let at = 0;
  for (const e of extents) {
    for (const s of e.series) {
      data.set(s.timestamps, at);
      data.set(s.values, at + s.timestamps.length);
      at += 2 * s.timestamps.length;
    }
  }
  return out;
}

/** Decodes an entry; throws `ExtentCodecError` on anything it did not write. */
export function decodeExtents(bytes: ArrayBuffer): Extent[] {
  if (bytes.byteLength < 8) throw new ExtentCodecError("results cache entry too short");
  const view = new DataView(bytes);
  if (view.getUint32(0, true) !== MAGIC) throw new ExtentCodecError("results cache entry has an unknown format");
  const jsonLength = view.getUint32(4, true);
  if (8 + jsonLength > bytes.byteLength) throw new ExtentCodecError("results cache entry header runs past its end");
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 8, jsonLength))) as Header;
  const dataAt = align8(8 + jsonLength);
  const floats = Math.floor((bytes.byteLength - dataAt) / 8);
  const data = new Float64Array(bytes, dataAt, floats);
  let at = 0;
  return header.extents.map((e) => ({
    start: e.start,
    end: e.end,
    series: e.series.map((s) => {
      if (at + 2 * s.n > floats) throw new ExtentCodecError("results cache entry has fewer points than its header says");
      const series = { labels: labelsFromRecord(s.labels), timestamps: data.subarray(at, at + s.n), values: data.subarray(at + s.n, at + 2 * s.n) };
      at += 2 * s.n;
      return series;
    }),
  }));
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
