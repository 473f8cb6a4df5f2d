/**
 * Real Prometheus and promtool binaries (installed into .tools/prometheus by
 * scripts/setup-prometheus.sh), run against temp directories on loopback.
 */
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { execFile } from "node:child_process";
import { stringify } from "yaml";
import { ManagedProcess } from "./process";
import { freePort } from "./net";
import { makeTempDir, removeTempDir, REPO_ROOT } from "./paths";
import { waitFor } from "./wait";

export interface PrometheusTools {
  readonly prometheus: string;
  readonly promtool: string;
}

const TOOLS_DIR = resolve(REPO_ROOT, ".tools/prometheus");

/** The installed binaries, or undefined when `bash scripts/setup-prometheus.sh` has not run. */
export function findPrometheusTools(): PrometheusTools | undefined {
  const prometheus = resolve(TOOLS_DIR, "prometheus");
  const promtool = resolve(TOOLS_DIR, "promtool");
  return existsSync(prometheus) && existsSync(promtool) ? { prometheus, promtool } : undefined;
}

/** The message a test prints when it skips for lack of binaries. */
export const MISSING_PROMETHEUS =
  "SKIPPED: Prometheus/promtool not found in .tools/prometheus; run `bash scripts/setup-prometheus.sh`";

export interface PrometheusOptions {
  /**
   * prometheus.yml contents as data, serialized to YAML; a function receives
   * the server's own host:port (to scrape itself). Omitted: an empty config.
   */
  readonly config?: object | ((listenAddress: string) => object);
  /** An existing TSDB directory (e.g. from `promtool tsdb create-blocks-from`); kept on stop. */
  readonly storagePath?: string;
  /** More command-line flags, e.g. `--web.enable-remote-write-receiver`. */
  readonly args?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** Extra environment variables, e.g. `GOMAXPROCS` to hold the server to fewer cores. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface PrometheusServer {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  readonly pid: number;
  readonly storagePath: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startPrometheus(tools: PrometheusTools, options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const port = await freePort();
  const workDir = makeTempDir("prometheus");
  const configFile = resolve(workDir, "prometheus.yml");
  const listenAddress = `127.0.0.1:${port}`;
  const config = typeof options.config === "function" ? options.config(listenAddress) : (options.config ?? {});
  writeFileSync(configFile, stringify(config));
  const storagePath = options.storagePath ?? resolve(workDir, "data");
  const proc = new ManagedProcess({
    name: "prometheus",
    command: tools.prometheus,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${storagePath}`,
      `--web.listen-address=${listenAddress}`,
      "--log.level=warn",
      ...(options.args ?? []),
    ],
    cwd: workDir,
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  });
  const url = `http://${listenAddress}`;
  const stop = async (): Promise<void> => {
    await proc.stop();
    removeTempDir(workDir);
  };
  try {
    await waitFor(
      async () => {
        const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 200,
        description: `prometheus to answer ${url}/-/ready`,
        failIf: () => (proc.running ? undefined : `prometheus ${proc.exitDescription}`),
      },
    );
  } catch (err) {
    const logs = proc.tail(60);
    await stop();
    throw new Error(`${(err as Error).message}\n--- prometheus output ---\n${logs}`);
  }
  return { url, pid: proc.pid, storagePath, process: proc, stop };
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs promtool to completion; a non-zero exit is returned, not thrown. */
export function runPromtool(tools: PrometheusTools, args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    execFile(
      tools.promtool,
      [...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}
