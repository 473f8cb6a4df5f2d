/** Helpers shared by the block format tests (not used by production code). */
import type { Label, Labels } from "../../model/labels";
import { encodeXOR } from "../chunkenc/xor";
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

/** One series with its raw samples. */
export interface RawSeries {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

interface Template {
  readonly name: string;
  readonly extra: Record<string, string>;
  /** counter: grows by a noisy rate; gauge: random walk; const: never changes. */
  readonly kind: "counter" | "gauge" | "const";
  readonly scale: number;
  /** Decimal places kept, as exporters print them. */
  readonly decimals: number;
}

/** About 200 series per instance, shaped like node_exporter's most common metrics. */
function nodeTemplates(): Template[] {
  const t: Template[] = [];
  for (let cpu = 0; cpu < 8; cpu++) {
    for (const mode of ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"]) {
      t.push({ name: "node_cpu_seconds_total", extra: { cpu: String(cpu), mode }, kind: "counter", scale: mode === "idle" ? 14 : 0.4, decimals: 2 });
    }
  }
  for (const m of ["MemFree", "MemAvailable", "Buffers", "Cached", "Active", "Inactive", "Dirty", "Slab", "Mapped", "Shmem"]) {
    t.push({ name: `node_memory_${m}_bytes`, extra: {}, kind: "gauge", scale: 4096 * 1000, decimals: 0 });
  }
  t.push({ name: "node_memory_MemTotal_bytes", extra: {}, kind: "const", scale: 16e9, decimals: 0 });
  for (const device of ["eth0", "eth1", "lo", "docker0"]) {
    for (const m of ["receive_bytes", "transmit_bytes", "receive_packets", "transmit_packets", "receive_errs", "transmit_errs", "receive_drop", "transmit_drop"]) {
      const busy = m.endsWith("bytes") ? 1e5 : m.endsWith("packets") ? 100 : 0.01;
      t.push({ name: `node_network_${m}_total`, extra: { device }, kind: "counter", scale: busy, decimals: 0 });
    }
    t.push({ name: "node_network_up", extra: { device }, kind: "const", scale: 1, decimals: 0 });
    t.push({ name: "node_network_mtu_bytes", extra: { device }, kind: "const", scale: 1500, decimals: 0 });
  }
  for (const device of ["sda", "sdb", "nvme0n1"]) {
    for (const m of ["reads_completed", "writes_completed", "read_bytes", "written_bytes", "io_time_seconds", "read_time_seconds", "write_time_seconds"]) {
      t.push({ name: `node_disk_${m}_total`, extra: { device }, kind: "counter", scale: m.includes("bytes") ? 5e4 : m.includes("seconds") ? 0.05 : 20, decimals: m.includes("seconds") ? 3 : 0 });
    }
  }
  for (const [device, mountpoint, fstype] of [["/dev/sda1", "/", "ext4"], ["/dev/sdb1", "/data", "xfs"], ["tmpfs", "/run", "tmpfs"], ["/dev/nvme0n1p1", "/var", "ext4"]] as const) {
    for (const m of ["avail_bytes", "free_bytes", "size_bytes", "files", "files_free", "readonly"]) {
      const kind = m === "size_bytes" || m === "files" || m === "readonly" ? "const" : "gauge";
      t.push({ name: `node_filesystem_${m}`, extra: { device, fstype, mountpoint }, kind, scale: m === "readonly" ? 0 : m.includes("bytes") ? 1e11 : 1e6, decimals: 0 });
    }
  }
  for (const m of ["load1", "load5", "load15"]) t.push({ name: `node_${m}`, extra: {}, kind: "gauge", scale: 1, decimals: 2 });
  for (const m of ["context_switches_total", "intr_total", "forks_total"]) t.push({ name: `node_${m}`, extra: {}, kind: "counter", scale: 1000, decimals: 0 });
  t.push({ name: "node_boot_time_seconds", extra: {}, kind: "const", scale: 1.7e9, decimals: 0 });
  t.push({ name: "node_time_seconds", extra: {}, kind: "counter", scale: 15, decimals: 3 });
  t.push({ name: "up", extra: {}, kind: "const", scale: 1, decimals: 0 });
  t.push({ name: "scrape_duration_seconds", extra: {}, kind: "gauge", scale: 0.01, decimals: 6 });
  t.push({ name: "scrape_samples_scraped", extra: {}, kind: "const", scale: 1200, decimals: 0 });
  return t;
}

/** Series per instance that `nodeExporterSeries` generates. */
export const NODE_SERIES_PER_INSTANCE = nodeTemplates().length;

/**
 * Node-exporter-like data: `instances` hosts, samples every `intervalMs` from
 * `start`, sorted in label order. Values are rounded the way exporters print
 * them, which is what makes real data compress as it does.
 */
export function nodeExporterSeries(instances: number, start: number, samples: number, intervalMs = 15_000, seed = 42): RawSeries[] {
  const r = rng(seed);
  const out: RawSeries[] = [];
  const templates = nodeTemplates();
  for (let i = 0; i < instances; i++) {
    const instance = `10.0.${Math.floor(i / 250)}.${i % 250}:9100`;
    for (const tpl of templates) {
      const timestamps = new Float64Array(samples);
      const values = new Float64Array(samples);
      const p = 10 ** tpl.decimals;
      let v = Math.round(r() * tpl.scale * (tpl.kind === "counter" ? 1e4 : 1) * p) / p;
      for (let k = 0; k < samples; k++) {
        timestamps[k] = start + k * intervalMs;
        values[k] = v;
        if (tpl.kind === "counter") v = Math.round((v + tpl.scale * (0.5 + r())) * p) / p;
        else if (tpl.kind === "gauge") v = Math.max(0, Math.round((v + tpl.scale * (r() - 0.5) * 0.05) * p) / p);
      }
      out.push({ labels: labels({ __name__: tpl.name, ...tpl.extra, instance, job: "node" }), timestamps, values });
    }
  }
  return out.sort((a, b) => compareLabelsLocal(a.labels, b.labels));
}

function compareLabelsLocal(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i]!.name !== b[i]!.name) return a[i]!.name < b[i]!.name ? -1 : 1;
    if (a[i]!.value !== b[i]!.value) return a[i]!.value < b[i]!.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** Cuts raw series into XOR chunks of at most `perChunk` samples. */
export function toBlockSeries(raw: readonly RawSeries[], perChunk = 120): BlockSeries[] {
  return raw.map((s) => {
    const chunks = [];
    for (let from = 0; from < s.timestamps.length; from += perChunk) {
      const to = Math.min(from + perChunk, s.timestamps.length);
      chunks.push({ minTime: s.timestamps[from]!, maxTime: s.timestamps[to - 1]!, data: encodeXOR(s.timestamps, s.values, from, to) });
    }
    return { labels: s.labels, chunks };
  });
}
