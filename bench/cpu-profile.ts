/**
 * V8 CPU profiles of the workerd that runs the Worker and its Durable
 * Objects, taken through `wrangler dev`'s inspector while a bench runs, and
 * a plain-text summary of where the time went.
 *
 * The profile is of the isolate's main thread: JavaScript by function, plus
 * V8's own buckets — "(garbage collector)", "(program)" (native code outside
 * JavaScript: HTTP, RPC, SQLite) and "(idle)" (waiting for work). Natives
 * called from JavaScript (an RPC's serialisation, `transactionSync`) count
 * as their caller's own time. Sampling slows the isolate by a fifth or so,
 * so a profiled run's throughput is not comparable with an unprofiled one.
 */
import { connectInspector } from "./inspector";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** The `Profiler.Profile` of the DevTools protocol, as much of it as is read here. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface RunningProfile {
  stop(): Promise<CpuProfile>;
}

const SAMPLING_INTERVAL_US = 200;

/** Starts sampling the Worker's isolate; `inspectorUrl` is wrangler's `--inspector-port` as http://host:port. */
export async function startCpuProfile(inspectorUrl: string): Promise<RunningProfile> {
  const session = await connectInspector(inspectorUrl);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
  await session.send("Profiler.start");
  return {
    async stop(): Promise<CpuProfile> {
      try {
        const { profile } = (await session.send("Profiler.stop")) as { profile: CpuProfile };
        return profile;
      } finally {
        session.close();
      }
    },
  };
}

export interface ProfileShare {
  readonly name: string;
  /** Share of all samples, 0..1. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly seconds: number;
  /** Time spent in the function itself (natives it calls included). */
  readonly self: ProfileShare[];
  /** Time with the function anywhere on the stack (counted once per sample). */
  readonly inclusive: ProfileShare[];
}

/** The `top` functions by self and by inclusive time. Functions are named with their line in the bundle. */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, count] of hits) {
    const name = frameName(byId.get(id)!.callFrame);
    self.set(name, (self.get(name) ?? 0) + count);
    // A recursive function is on the stack once per sample however deep it goes.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = frameName(byId.get(at)!.callFrame);
      if (n === "(root)" || seen.has(n)) continue;
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + count);
    }
  }
  const total = profile.samples.length || 1;
  const ranked = (m: Map<string, number>): ProfileShare[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => ({ name, share: n / total }));
  return { seconds: (profile.endTime - profile.startTime) / 1e6, self: ranked(self), inclusive: ranked(inclusive) };
}

function frameName(f: CallFrame): string {
  const name = f.functionName === "" ? "(anonymous)" : f.functionName;
  return f.url === "" ? name : `${name} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
}

/** Two columns, self and inclusive, as percentages. */
export function formatProfileSummary(s: ProfileSummary): string {
  const lines = [`CPU profile of the Worker+DOs isolate, ${s.seconds.toFixed(1)} s:`, `${"self %".padStart(7)}  function${" ".repeat(36)}${"incl %".padStart(7)}  function`];
  const rows = Math.max(s.self.length, s.inclusive.length);
  for (let i = 0; i < rows; i++) {
    const a = s.self[i];
    const b = s.inclusive[i];
    const left = a === undefined ? " ".repeat(53) : `${(a.share * 100).toFixed(1).padStart(7)}  ${a.name.slice(0, 42).padEnd(44)}`;
    const right = b === undefined ? "" : `${(b.share * 100).toFixed(1).padStart(7)}  ${b.name.slice(0, 42)}`;
    lines.push(`${left}${right}`);
  }
  return lines.join("\n");
}
