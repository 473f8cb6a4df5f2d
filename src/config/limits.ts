/**
 * Per-tenant limits and settings, named as in Mimir's `limits` block where
 * Mimir has the setting, so a Mimir runtime-config file mostly carries over.
 * Durations are held in milliseconds.
 */
import { ConfigError } from "./error";
import { parseDuration } from "./duration";

/** A Prometheus-compatible remote_read endpoint merged into a tenant's queries. */
export interface RemoteReadStore {
  readonly name: string;
  /** Full URL of the endpoint, e.g. `https://prom-a.example/api/v1/read`. */
  readonly url: string;
  /** Extra request headers (e.g. Authorization); redacted for display. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Labels the store's series implicitly carry (its Prometheus's
   * external_labels): added to returned series and used to skip the store
   * when a query's matchers cannot match them.
   */
  readonly external_labels: Readonly<Record<string, string>>;
  /** Per-request timeout in ms. */
  readonly timeout: number;
}

export interface Limits {
  /** Samples+exemplars+metadata per second accepted for the tenant. */
  readonly ingestion_rate: number;
  /** Token bucket size of the ingestion rate limiter. */
  readonly ingestion_burst_size: number;
  /** In-memory series across all shards; 0 = unlimited. */
  readonly max_global_series_per_user: number;
  readonly max_label_name_length: number;
  /** Also applies to the metric name. */
  readonly max_label_value_length: number;
  readonly max_label_names_per_series: number;
  /** How far in the future (ms) a sample may be. */
  readonly creation_grace_period: number;
  /** Out-of-order window (ms) relative to the head's max time; 0 = in-order only. */
  readonly out_of_order_time_window: number;
  /** Enables the HA tracker for this tenant. */
  readonly accept_ha_samples: boolean;
  readonly ha_cluster_label: string;
  readonly ha_replica_label: string;
  /** Distinct HA clusters tracked per tenant; 0 = unlimited. */
  readonly ha_max_clusters: number;
  /** Silence (ms) of the elected replica after which another may take over. */
  readonly ha_tracker_failover_timeout: number;
  /** How long (ms) the Worker may trust a cached election before asking the tenant DO again. */
  readonly ha_tracker_cache_ttl: number;
  /** Age (ms) after which blocks are deleted; 0 = keep forever. */
  readonly compactor_blocks_retention_period: number;
  /**
   * Compaction levels (ms), each a multiple of the one before: shard blocks
   * of the first range are merged, then merged into the longer ranges.
   * The first must equal the ingesters' 2h block range.
   */
  readonly compactor_block_ranges: readonly number[];
  /** How long (ms) a compacted-away block stays readable before its objects are deleted. */
  readonly compactor_deletion_delay: number;
  /** 0 = unlimited. */
  readonly max_fetched_series_per_query: number;
  /** Longest query range (ms); 0 = unlimited. */
  readonly max_total_query_length: number;
  /** Allows `X-Scope-OrgID: a|b` to query several tenants at once. */
  readonly tenant_federation_enabled: boolean;
  /** Ingester shards per tenant. Changing it re-homes series. */
  readonly shards: number;
  readonly remote_read_stores: readonly RemoteReadStore[];
  /** Labels removed by query-time deduplication (Thanos's `--query.replica-label`). */
  readonly query_replica_labels: readonly string[];
  /** How long (ms) cached range-query results live (with CACHE_RESULTS); 0 = not cached. */
  readonly results_cache_ttl: number;
  /** Steps this close (ms) to now are not cached: their samples may still arrive. */
  readonly max_cache_freshness: number;
}

export const DEFAULT_REMOTE_READ_TIMEOUT_MS = 60_000;

const HOUR_MS = 3_600_000;
/** The range ingesters cut their heads into; the first compaction level. */
export const INGESTER_BLOCK_RANGE_MS = 2 * HOUR_MS;

/** Mimir's defaults where Mimir has the setting. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  ingestion_rate: 10_000,
  ingestion_burst_size: 200_000,
  max_global_series_per_user: 150_000,
  max_label_name_length: 1024,
  max_label_value_length: 2048,
  max_label_names_per_series: 30,
  creation_grace_period: 10 * 60_000,
  out_of_order_time_window: 0,
  accept_ha_samples: false,
  ha_cluster_label: "cluster",
  ha_replica_label: "__replica__",
  ha_max_clusters: 100,
  ha_tracker_failover_timeout: 30_000,
  ha_tracker_cache_ttl: 10_000,
  compactor_blocks_retention_period: 0,
  compactor_block_ranges: Object.freeze([2 * HOUR_MS, 12 * HOUR_MS, 24 * HOUR_MS]),
  compactor_deletion_delay: 15 * 60_000,
  max_fetched_series_per_query: 0,
  max_total_query_length: 0,
  tenant_federation_enabled: false,
  shards: 4,
  remote_read_stores: Object.freeze([]),
  query_replica_labels: Object.freeze([]),
  results_cache_ttl: 7 * 24 * HOUR_MS,
  max_cache_freshness: 10 * 60_000,
});

/** Upper bound on shards: every push fans out to each shard DO. */
export const MAX_SHARDS = 1024;

type FieldParser<T> = (value: unknown, field: string) => T;

const FIELDS: { readonly [K in keyof Limits]: FieldParser<Limits[K]> } = {
  ingestion_rate: nonNegativeNumber,
  ingestion_burst_size: nonNegativeInteger,
  max_global_series_per_user: nonNegativeInteger,
  max_label_name_length: nonNegativeInteger,
  max_label_value_length: nonNegativeInteger,
  max_label_names_per_series: nonNegativeInteger,
  creation_grace_period: parseDuration,
  out_of_order_time_window: parseDuration,
  accept_ha_samples: boolean,
  ha_cluster_label: labelName,
  ha_replica_label: labelName,
  ha_max_clusters: nonNegativeInteger,
  ha_tracker_failover_timeout: parseDuration,
  ha_tracker_cache_ttl: parseDuration,
  compactor_blocks_retention_period: parseDuration,
  compactor_block_ranges: blockRanges,
  compactor_deletion_delay: parseDuration,
  max_fetched_series_per_query: nonNegativeInteger,
  max_total_query_length: parseDuration,
  tenant_federation_enabled: boolean,
  shards: shardCount,
  remote_read_stores: remoteReadStores,
  query_replica_labels: labelNameList,
  results_cache_ttl: parseDuration,
  max_cache_freshness: parseDuration,
};

export const LIMIT_FIELDS: readonly (keyof Limits)[] = Object.keys(FIELDS) as (keyof Limits)[];

/**
 * Validates a block of overrides: every present field must be known and
 * well-typed. `path` prefixes error messages (e.g. `overrides.team-a`).
 */
export function validatePartialLimits(obj: unknown, path = ""): Partial<Limits> {
  const record = plainObject(obj, path);
  const out: { -readonly [K in keyof Limits]?: Limits[K] } = {};
  for (const key of Object.keys(record)) {
    const field = join(path, key);
    if (!Object.hasOwn(FIELDS, key)) throw new ConfigError(field, "unknown field");
    const value = record[key];
    if (value === null || value === undefined) continue;
    assign(out, key as keyof Limits, value, field);
  }
  return out;
}

/** Validates a full limits block, filling absent fields with the defaults. */
export function validateLimits(obj: unknown, path = ""): Limits {
  const limits = mergeLimits(DEFAULT_LIMITS, validatePartialLimits(obj ?? {}, path));
  checkConsistency(limits, path);
  return limits;
}

export function mergeLimits(base: Limits, overrides: Partial<Limits>): Limits {
  return Object.freeze({ ...base, ...overrides });
}

/** Rules that span fields; run on every effective (merged) limits value. */
export function checkConsistency(limits: Limits, path = ""): void {
  if (limits.ha_cluster_label === limits.ha_replica_label) {
    throw new ConfigError(join(path, "ha_replica_label"), "must differ from ha_cluster_label");
  }
  // A cached election must expire well before a failover could happen, or
  // the Worker would keep rejecting the new replica after the old one died.
  if (limits.accept_ha_samples && limits.ha_tracker_cache_ttl + 1000 > limits.ha_tracker_failover_timeout) {
    throw new ConfigError(
      join(path, "ha_tracker_failover_timeout"),
      "must be at least 1s greater than ha_tracker_cache_ttl",
    );
  }
}

function assign<K extends keyof Limits>(
  out: { -readonly [F in keyof Limits]?: Limits[F] },
  key: K,
  value: unknown,
  field: string,
): void {
  out[key] = FIELDS[key](value, field);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

export function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(field, "must be a mapping of field names to values");
  }
  return value as Record<string, unknown>;
}

/** A list of durations, each a multiple of the previous, starting at the ingester block range. */
function blockRanges(value: unknown, field: string): readonly number[] {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(field, "must be a non-empty list of durations");
  const ranges = value.map((v, i) => parseDuration(v, `${field}[${i}]`));
  if (ranges[0] !== INGESTER_BLOCK_RANGE_MS) throw new ConfigError(`${field}[0]`, "must be 2h, the range ingesters cut blocks at");
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]! <= ranges[i - 1]! || ranges[i]! % ranges[i - 1]! !== 0) {
      throw new ConfigError(`${field}[${i}]`, "must be greater than and a multiple of the range before it");
    }
  }
  return Object.freeze(ranges);
}

function nonNegativeNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, "must be a non-negative number");
  }
  return value;
}

function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(field, "must be a non-negative integer");
  }
  return value;
}

function shardCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_SHARDS) {
    throw new ConfigError(field, `must be an integer from 1 to ${MAX_SHARDS}`);
  }
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new ConfigError(field, "must be true or false");
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string") throw new ConfigError(field, "must be a string");
  return value;
}

function labelName(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new ConfigError(field, "must be a non-empty label name");
  return value;
}

function labelNameList(value: unknown, field: string): readonly string[] {
  if (!Array.isArray(value)) throw new ConfigError(field, "must be a list of label names");
  const seen = new Set<string>();
  value.forEach((v, i) => {
    const name = labelName(v, `${field}[${i}]`);
    if (seen.has(name)) throw new ConfigError(`${field}[${i}]`, `duplicate label name ${JSON.stringify(name)}`);
    seen.add(name);
  });
  return Object.freeze([...seen]);
}

function stringMap(value: unknown, field: string): Readonly<Record<string, string>> {
  const record = plainObject(value, field);
  const out: Record<string, string> = {};
  for (const key of Object.keys(record)) out[key] = string(record[key], join(field, key));
  return Object.freeze(out);
}

const STORE_FIELDS = new Set(["name", "url", "headers", "external_labels", "timeout"]);

function remoteReadStores(value: unknown, field: string): readonly RemoteReadStore[] {
  if (!Array.isArray(value)) throw new ConfigError(field, "must be a list of stores");
  const names = new Set<string>();
  const stores = value.map((raw, i) => {
    const path = `${field}[${i}]`;
    const store = remoteReadStore(raw, path);
    if (names.has(store.name)) throw new ConfigError(`${path}.name`, `duplicate store name ${JSON.stringify(store.name)}`);
    names.add(store.name);
    return store;
  });
  return Object.freeze(stores);
}

function remoteReadStore(raw: unknown, path: string): RemoteReadStore {
  const record = plainObject(raw, path);
  for (const key of Object.keys(record)) {
    if (!STORE_FIELDS.has(key)) throw new ConfigError(join(path, key), "unknown field");
  }
  const name = record["name"];
  if (typeof name !== "string" || name === "") throw new ConfigError(join(path, "name"), "must be a non-empty string");
  const url = record["url"];
  if (typeof url !== "string" || !isHttpUrl(url)) {
    throw new ConfigError(join(path, "url"), "must be an absolute http(s) URL");
  }
  return Object.freeze({
    name,
    url,
    headers: record["headers"] == null ? Object.freeze({}) : stringMap(record["headers"], join(path, "headers")),
    external_labels:
      record["external_labels"] == null
        ? Object.freeze({})
        : stringMap(record["external_labels"], join(path, "external_labels")),
    timeout: record["timeout"] == null ? DEFAULT_REMOTE_READ_TIMEOUT_MS : storeTimeout(record["timeout"], join(path, "timeout")),
  });
}

function storeTimeout(value: unknown, field: string): number {
  const ms = parseDuration(value, field);
  if (ms === 0) throw new ConfigError(field, "must be greater than 0");
  return ms;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
