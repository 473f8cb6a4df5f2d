/**
 * Realistic remote_write traffic: node-exporter-like series from a fleet of
 * targets, scraped every 15 s, batched the way Prometheus batches them (one
 * sample per series per request, ~2,000 samples per request).
 *
 * Deterministic for a given seed. Uses no Node-only API, so tests running in
 * workerd can import it as well as Node scripts.
 */
import type { Label } from "../src/model/labels";
import { encodeWriteRequestV1, encodeWriteRequestV2, type SampleInput, type SeriesInput } from "../src/write/encode";
import type { MetricMetadata, MetricType } from "../src/write/request";
import { encodeSnappy } from "../src/write/snappy";
import { rng } from "../src/tsdb/block/testutil";

export interface GeneratorOptions {
  /** Scraped targets (instances); each exposes ~92 series. Default 22 (≈2,000 series). */
  readonly targets?: number;
  readonly seed?: number;
  /** Timestamp of the first scrape, ms. Default 2024-01-01T00:00:00Z. */
  readonly startMs?: number;
  readonly intervalMs?: number;
}

export interface GeneratedSeries extends SeriesInput {
  readonly labels: Label[];
  readonly samples: SampleInput[];
  readonly metadata: { readonly type: MetricType; readonly help: string; readonly unit: string };
}

interface Template {
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly help: string;
  readonly unit: string;
  readonly extra: readonly (readonly [string, string])[];
  /** Counter: mean increase per second. Gauge: typical level. */
  readonly scale: number;
}

interface LiveSeries {
  readonly labels: Label[];
  readonly template: Template;
  value: number;
}

const CPU_MODES: readonly [string, number][] = [
  ["idle", 0.7],
  ["iowait", 0.02],
  ["irq", 0.001],
  ["nice", 0.005],
  ["softirq", 0.01],
  ["steal", 0.002],
  ["system", 0.08],
  ["user", 0.18],
];

function templates(): Template[] {
  const t: Template[] = [];
  for (let cpu = 0; cpu < 8; cpu++) {
    for (const [mode, share] of CPU_MODES) {
      t.push({
        name: "node_cpu_seconds_total",
        type: "counter",
        help: "Seconds the CPUs spent in each mode.",
        unit: "seconds",
        extra: [["cpu", String(cpu)], ["mode", mode]],
        scale: share,
      });
    }
  }
  for (const [name, level] of [
    ["node_memory_MemAvailable_bytes", 12e9],
    ["node_memory_MemFree_bytes", 3e9],
    ["node_memory_Cached_bytes", 6e9],
    ["node_memory_Buffers_bytes", 4e8],
  ] as const) {
    t.push({ name, type: "gauge", help: `Memory information field ${name.slice(12, -6)}.`, unit: "bytes", extra: [], scale: level });
  }
  for (const [device, mountpoint, fstype] of [
    ["/dev/nvme0n1p1", "/", "ext4"],
    ["/dev/nvme0n1p2", "/var", "ext4"],
    ["/dev/sdb1", "/data", "xfs"],
    ["tmpfs", "/run", "tmpfs"],
  ] as const) {
    const extra = [["device", device], ["fstype", fstype], ["mountpoint", mountpoint]] as const;
    t.push({ name: "node_filesystem_avail_bytes", type: "gauge", help: "Filesystem space available to non-root users in bytes.", unit: "bytes", extra, scale: 2e11 });
    t.push({ name: "node_filesystem_size_bytes", type: "gauge", help: "Filesystem size in bytes.", unit: "bytes", extra, scale: 5e11 });
  }
  for (const device of ["eth0", "eth1", "lo"]) {
    t.push({ name: "node_network_receive_bytes_total", type: "counter", help: "Network device statistic receive_bytes.", unit: "bytes", extra: [["device", device]], scale: 2e6 });
    t.push({ name: "node_network_transmit_bytes_total", type: "counter", help: "Network device statistic transmit_bytes.", unit: "bytes", extra: [["device", device]], scale: 1e6 });
  }
  for (const device of ["nvme0n1", "sda", "sdb"]) {
    t.push({ name: "node_disk_read_bytes_total", type: "counter", help: "The total number of bytes read successfully.", unit: "bytes", extra: [["device", device]], scale: 5e5 });
    t.push({ name: "node_disk_written_bytes_total", type: "counter", help: "The total number of bytes written successfully.", unit: "bytes", extra: [["device", device]], scale: 8e5 });
  }
  for (const [name, level] of [["node_load1", 1.2], ["node_load5", 1.0], ["node_load15", 0.9]] as const) {
    t.push({ name, type: "gauge", help: `${name.slice(9)}m load average.`, unit: "", extra: [], scale: level });
  }
  t.push({ name: "up", type: "gauge", help: "1 if the target is up.", unit: "", extra: [], scale: 1 });
  return t;
}


export class NodeExporterGenerator {
  private readonly live: LiveSeries[] = [];
  private readonly rnd: () => number;
  private readonly intervalMs: number;
  private nextMs: number;

  constructor(opts: GeneratorOptions = {}) {
    this.rnd = rng(opts.seed ?? 1);
    this.intervalMs = opts.intervalMs ?? 15_000;
    this.nextMs = opts.startMs ?? Date.UTC(2024, 0, 1);
    const targets = opts.targets ?? 22;
    const tpl = templates();
    for (let i = 0; i < targets; i++) {
      const region = ["eu-west-1", "us-east-1", "ap-south-1"][i % 3]!;
      const target: [string, string][] = [
        ["cluster", `prod-${region}`],
        ["env", "production"],
        ["instance", `node-${String(i).padStart(3, "0")}.${region}.example.com:9100`],
        ["job", "node"],
        ["os", "linux"],
        ["region", region],
        ["team", "infra"],
      ];
      for (const t of tpl) {
        const labels: Label[] = [{ name: "__name__", value: t.name }];
        for (const [name, value] of [...target, ...t.extra]) labels.push({ name, value });
        labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const start = t.type === "counter" ? t.scale * 86_400 * (1 + this.rnd() * 30) : t.scale * (0.5 + this.rnd());
        this.live.push({ labels, template: t, value: t.name === "up" ? 1 : Math.round(start * 100) / 100 });
      }
    }
  }

  get seriesCount(): number {
    return this.live.length;
  }

  /** One scrape of every series, one sample each, then advances the clock. */
  scrape(): GeneratedSeries[] {
    const ts = this.nextMs;
    this.nextMs += this.intervalMs;
    const secs = this.intervalMs / 1000;
    const out: GeneratedSeries[] = [];
    for (const s of this.live) {
      const t = s.template;
      if (t.name === "up") {
        s.value = 1;
      } else if (t.type === "counter") {
        // Counters grow by a jittered rate; CPU seconds keep 2 decimals like /proc/stat ticks.
        const inc = t.scale * secs * (0.5 + this.rnd());
        s.value = t.name === "node_cpu_seconds_total" ? Math.round((s.value + inc) * 100) / 100 : Math.round(s.value + inc);
      } else {
        // Gauges random-walk around their level.
        const step = (this.rnd() - 0.5) * 0.02 * t.scale;
        s.value = Math.max(0, t.unit === "bytes" ? Math.round(s.value + step) : Math.round((s.value + step) * 100) / 100);
      }
      out.push({
        labels: s.labels,
        samples: [{ timestamp: ts, value: s.value }],
        metadata: { type: t.type, help: t.help, unit: t.unit },
      });
    }
    return out;
  }

  /**
   * `count` request batches of about `samplesPerRequest` samples each, one
   * sample per series; a batch continues into the next scrape when one runs out,
   * as Prometheus's shards keep sending.
   */
  batches(count: number, samplesPerRequest = 2000): GeneratedSeries[][] {
    const out: GeneratedSeries[][] = [];
    let pending: GeneratedSeries[] = [];
    while (out.length < count) {
      const batch: GeneratedSeries[] = [];
      while (batch.length < samplesPerRequest) {
        if (pending.length === 0) pending = this.scrape();
        const take = pending.slice(0, samplesPerRequest - batch.length);
        batch.push(...take);
        pending = pending.slice(take.length);
      }
      out.push(batch);
    }
    return out;
  }
}

/** Per-family metadata as 1.0 senders send it (deduplicated by metric name). */
export function metadataOf(series: readonly GeneratedSeries[]): MetricMetadata[] {
  const seen = new Map<string, MetricMetadata>();
  for (const s of series) {
    const name = s.labels.find((l) => l.name === "__name__")?.value ?? "";
    if (!seen.has(name)) seen.set(name, { metricFamilyName: name, ...s.metadata });
  }
  return [...seen.values()];
}

/** A snappy-compressed remote_write 1.0 body. */
export function encodeV1(series: readonly SeriesInput[], opts: { metadata?: readonly MetricMetadata[] } = {}): Uint8Array {
  return encodeSnappy(encodeWriteRequestV1({ series, metadata: opts.metadata }));
}

/** A snappy-compressed remote_write 2.0 body (metadata travels with each series). */
export function encodeV2(series: readonly SeriesInput[]): Uint8Array {
  return encodeSnappy(encodeWriteRequestV2({ series }));
}
