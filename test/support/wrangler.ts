/**
 * Runs the promflare Worker under `wrangler dev` on a free loopback port with
 * its own persistence directory, the way an operator runs it locally.
 */
import { resolve } from "node:path";
import { ManagedProcess } from "./process";
import { freePort } from "./net";
import { makeTempDir, removeTempDir, REPO_ROOT } from "./paths";
import { waitFor } from "./wait";

export interface WranglerDevOptions {
  /** Another wrangler config than the repository's wrangler.toml. */
  readonly config?: string;
  /** Overrides of wrangler.toml [vars], passed as `--var NAME:VALUE`. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Use this directory for DO SQLite and R2 state instead of a fresh temp dir (kept on stop). */
  readonly persistTo?: string;
  /** How long to wait for the first `GET /ready` 200 (bundling takes a few seconds). */
  readonly readyTimeoutMs?: number;
}

export interface WranglerDev {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  /** wrangler's inspector proxy to the Worker's isolate, e.g. http://127.0.0.1:41235. */
  readonly inspectorUrl: string;
  /** Process group leader (wrangler's node); workerd is a descendant. */
  readonly pid: number;
  readonly persistDir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Vars that lift the per-tenant ingest limits (rate, burst, series), for
 * benches that measure throughput rather than limit enforcement.
 */
export const UNLIMITED_INGEST_VARS: Readonly<Record<string, string>> = unlimitedIngestVars();

/** UNLIMITED_INGEST_VARS with further default limits set, e.g. `{ shards: 1 }`. */
export function unlimitedIngestVars(limits: Readonly<Record<string, unknown>> = {}): Record<string, string> {
  return {
    RUNTIME_CONFIG: JSON.stringify({
      ingestion_rate: 1e9,
      ingestion_burst_size: 1e9,
      max_global_series_per_user: 1e8,
      ...limits,
    }),
  };
}

const WRANGLER_JS = resolve(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");

/**
 * Starts `wrangler dev` on free ports. A port found free can be taken by
 * another process before wrangler binds it; then wrangler exits at once
 * and is started again on other ports, up to three times.
 */
export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(options: WranglerDevOptions): Promise<WranglerDev> {
  const port = await freePort();
  // Several dev servers may run on one machine: never share the default inspector port.
  const inspectorPort = await freePort();
  const ownsPersistDir = options.persistTo === undefined;
  const persistDir = options.persistTo ?? makeTempDir("wrangler-state");
  const args = [
    WRANGLER_JS,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  if (options.config !== undefined) args.push("--config", options.config);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  const proc = new ManagedProcess({
    name: "wrangler dev",
    command: process.execPath,
    args,
    cwd: REPO_ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await proc.stop();
    if (ownsPersistDir) removeTempDir(persistDir);
  };
  try {
    await waitFor(
      async () => {
        const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
      { timeoutMs: options.readyTimeoutMs ?? 90_000, intervalMs: 300, description: `wrangler dev to answer ${url}/ready`,
        failIf: () => (proc.running ? undefined : `wrangler dev ${proc.exitDescription}`),
      },
    );
  } catch (err) {
    const logs = proc.tail(60);
    await stop();
    const message = `${(err as Error).message}\n--- wrangler output ---\n${logs}`;
    throw /Address already in use/.test(logs) ? new PortTakenError(message) : new Error(message);
  }
  return { url, inspectorUrl: `http://127.0.0.1:${inspectorPort}`, pid: proc.pid, persistDir, process: proc, stop };
}
