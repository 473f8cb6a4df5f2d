import type { Ingester } from "../durable-objects/ingester";
import type { Tenant } from "../durable-objects/tenant";

/** The Worker's bindings and variables (see wrangler.toml). */
export interface Env {
  readonly INGESTER: DurableObjectNamespace<Ingester>;
  readonly TENANT: DurableObjectNamespace<Tenant>;
  readonly BLOCKS: R2Bucket;
  /** Tenant used when a request carries no X-Scope-OrgID. */
  readonly DEFAULT_TENANT?: string;
  /** "true" makes a missing X-Scope-OrgID a 401. */
  readonly REQUIRE_TENANT?: string;
  /** Largest accepted remote_write body, compressed, in bytes. */
  readonly MAX_REQUEST_BYTES?: string;
  /** Largest accepted remote_write body after snappy decoding, in bytes. */
  readonly MAX_DECODED_BYTES?: string;
  /** Milliseconds an ingester waits for more pushes to share a WAL row (default 2). */
  readonly WAL_GROUP_COMMIT_MS?: string;
  /** Runtime configuration (JSON or YAML), Mimir's shape. */
  readonly RUNTIME_CONFIG?: string;
  /** Who may read and write which tenants (src/auth/tokens.ts); unset: no authentication. */
  readonly AUTH_TOKENS?: string;
  /** "true" caches range-query results (src/frontend/results-cache.ts). */
  readonly CACHE_RESULTS?: string;
  /** Token for the admin API. */
  readonly ADMIN_TOKEN?: string;
}
