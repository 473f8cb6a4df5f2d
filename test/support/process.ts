/**
 * A child process started in its own process group, so stopping it also
 * stops whatever it spawned (wrangler runs workerd as a grandchild).
 */
import { spawn, type ChildProcess } from "node:child_process";

/** Keeps the tail of a process's output for error messages and readiness checks. */
const LOG_LIMIT = 256 * 1024;

/** Process groups started here and still running, for cleanup when a script is interrupted. */
const liveGroups = new Set<number>();
let cleanupInstalled = false;

/**
 * Makes Ctrl-C / SIGTERM of a long-running script (a bench) also kill the
 * servers it started: they run in their own process groups, so the terminal's
 * signal does not reach them.
 */
export function killChildrenOnSignal(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = (): void => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
  process.on("exit", killAll);
}

export interface ManagedProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Name used in error messages. */
  readonly name: string;
}

export class ManagedProcess {
  readonly name: string;
  private readonly child: ChildProcess;
  private output = "";
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private readonly listeners = new Set<(chunk: string) => void>();

  constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (data: Buffer): void => {
      const chunk = data.toString("utf8");
      this.output += chunk;
      if (this.output.length > LOG_LIMIT) this.output = this.output.slice(-LOG_LIMIT);
      for (const listener of this.listeners) listener(chunk);
    };
    const pid = this.child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    this.child.stdout!.on("data", collect);
    this.child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        if (pid !== undefined) liveGroups.delete(pid);
        this.exitInfo = { code, signal };
        resolve();
      });
      this.child.on("error", (err) => {
        this.output += `\n[spawn error] ${err.message}\n`;
        this.exitInfo = { code: null, signal: null };
        resolve();
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name}: not started`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** stdout and stderr interleaved (the last 256 KiB). */
  get logs(): string {
    return this.output;
  }

  /** Why the process ended, for error messages; undefined while running. */
  get exitDescription(): string | undefined {
    if (this.exitInfo === undefined) return undefined;
    const { code, signal } = this.exitInfo;
    return signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
  }

  /** Resolves with the output seen once `pattern` appears in it; rejects if the process exits first or on timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(this.output);
        if (match === null) return false;
        done();
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no output matching ${pattern} within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const listener = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      void this.exited.then(() => {
        if (!check()) {
          done();
          reject(new Error(`${this.name} ${this.exitDescription} before printing ${pattern}\n${this.tail()}`));
        }
      });
      check();
    });
  }

  /** The last lines of output, for error messages. */
  tail(lines = 40): string {
    return this.output.split("\n").slice(-lines).join("\n");
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the leader has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) {
      this.signalGroup("SIGKILL"); // stragglers of an exited leader
      return;
    }
    this.signalGroup("SIGTERM");
    const timer = setTimeout(() => this.signalGroup("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.signalGroup("SIGKILL");
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}
