/**
 * CPU time and resident memory of a process tree, read from Linux /proc.
 * Benches use it to charge the whole gateway (wrangler's node process and the
 * workerd it spawns) or a Prometheus server for the work it did.
 */
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ), the unit of utime/stime. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface StatFields {
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parens, so split after the last ')'. */
function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return { ppid, cpuTicks: utime + stime };
}

/** `root` and all its live descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    const list = children.get(stat.ppid);
    if (list === undefined) children.set(stat.ppid, [pid]);
    else list.push(pid);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    tree.push(pid);
    for (const child of children.get(pid) ?? []) queue.push(child);
  }
  return tree;
}

/** User + system CPU seconds consumed so far by these processes (exited ones count 0). */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return ticks / ticksPerSecond();
}

/** The processes among `pids` whose command line contains `marker`. */
export function withArgument(pids: readonly number[], marker: string): number[] {
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((arg) => arg.startsWith(marker));
    } catch {
      return false;
    }
  });
}

/** Resident set size in bytes (VmRSS) summed over these processes. */
export function rssBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      continue;
    }
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    if (match !== null) total += Number(match[1]) * 1024;
  }
  return total;
}

/** A snapshot of a process tree's resource use. */
export interface TreeUsage {
  readonly pids: number[];
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export function treeUsage(root: number): TreeUsage {
  const pids = processTree(root);
  return { pids, cpuSeconds: cpuSeconds(pids), rssBytes: rssBytes(pids) };
}
