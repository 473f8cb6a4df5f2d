/** Helpers shared by the block format tests (not used by production code). */
import type { Label, Labels } from "../../model/labels";
import type { BlockSeries } from "./block-writer";

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function labels(rec: Record<string, string>): Labels {
  const out: Label[] = Object.entries(rec).map(([name, value]) => ({ name, value }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Series with opaque chunk payloads (the block layer never decodes chunks):
 * `chunksPer` chunks each, covering consecutive 30-minute windows.
 */
export function opaqueSeries(sets: Labels[], chunksPer: number, seed = 1): BlockSeries[] {
  const r = rng(seed);
  return sets.map((l) => ({
    labels: l,
    chunks: Array.from({ length: chunksPer }, (_, i) => {
      const data = new Uint8Array(2 + Math.floor(r() * 300));
      for (let k = 0; k < data.length; k++) data[k] = Math.floor(r() * 256);
      data[0] = 0;
      data[1] = 120;
      return { minTime: i * 1_800_000, maxTime: i * 1_800_000 + 1_785_000, data };
    }),
  }));
}
