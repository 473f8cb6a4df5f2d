/**
 * Polling with a deadline, for conditions that become true asynchronously
 * (a server answering, samples arriving after a remote_write round).
 */

export interface WaitOptions {
  /** Give up after this long; the error names `description`. */
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message ("wrangler dev to answer /ready"). */
  readonly description: string;
  /** Checked before each probe: a returned reason aborts the wait at once (e.g. the server process died). */
  readonly failIf?: () => string | undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns something other than undefined/false and
 * returns that. Errors thrown by the probe count as "not yet"; the last one
 * is reported on timeout so a failing condition explains itself.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    const fatal = options.failIf?.();
    if (fatal !== undefined) throw new Error(`gave up waiting for ${options.description}: ${fatal}`);
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined ? "" : `; last error: ${(lastError as Error).message ?? String(lastError)}`;
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.description}${why}`);
    }
    await sleep(interval);
  }
}
