/**
 * Per-tenant ingestion rate limit: a token bucket refilled at
 * `ingestion_rate` per second up to `ingestion_burst_size`, as Mimir's
 * distributor applies it. Buckets live in the isolate, so with several
 * Worker isolates serving one tenant the effective limit is a multiple of
 * the configured one (Mimir's "local" strategy); it protects ingesters from
 * a runaway sender rather than metering exactly.
 */
export interface RateLimit {
  /** Tokens per second; 0 disables the limit. */
  readonly rate: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = new Map<string, Bucket>();

/**
 * Takes `n` tokens for `tenant` if it has them. A request larger than the
 * burst is allowed when the bucket is full, so a big batch is never refused
 * for ever (Mimir does the same).
 */
export function allowIngestion(tenant: string, n: number, limit: RateLimit, now = Date.now()): boolean {
  if (limit.rate <= 0 || n <= 0) return true;
  const burst = Math.max(limit.burst, 1);
  let b = buckets.get(tenant);
  if (!b) {
    b = { tokens: burst, at: now };
    buckets.set(tenant, b);
  }
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * limit.rate);
  b.at = now;
  if (b.tokens >= n || b.tokens >= burst) {
    b.tokens -= n;
    return true;
  }
  return false;
}

export function rateLimitMessage(limit: RateLimit, n: number): string {
  return (
    `the request has been rejected because the tenant exceeded the ingestion rate limit, ` +
    `set to ${limit.rate} items/s with a maximum allowed burst of ${limit.burst}; ` +
    `this request carried ${n} items (err-mimir-tenant-max-ingestion-rate)`
  );
}
