/**
 * The runtime configuration file: default limits at the top level and
 * per-tenant partial overrides under `overrides`, as in Mimir's runtime
 * config. Accepts JSON or YAML (JSON is a subset of the YAML we parse).
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./error";
import { formatDuration } from "./duration";
import {
  DEFAULT_LIMITS,
  type Limits,
  checkConsistency,
  mergeLimits,
  plainObject,
  validateLimits,
  validatePartialLimits,
} from "./limits";

export interface RuntimeConfig {
  readonly defaults: Limits;
  /** Tenant id → the fields that tenant overrides. */
  readonly overrides: ReadonlyMap<string, Partial<Limits>>;
}

export const DEFAULT_RUNTIME_CONFIG: RuntimeConfig = Object.freeze({
  defaults: DEFAULT_LIMITS,
  overrides: new Map<string, Partial<Limits>>(),
});

/** Parses and validates the whole file; throws `ConfigError` naming the bad field. */
export function parseRuntimeConfig(text: string): RuntimeConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError("", `runtime config is neither valid YAML nor JSON: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return DEFAULT_RUNTIME_CONFIG;
  return runtimeConfigFrom(doc);
}

/** Validates an already-decoded document. */
export function runtimeConfigFrom(doc: unknown): RuntimeConfig {
  const { overrides: rawOverrides, ...rawDefaults } = plainObject(doc, "");
  const defaults = validateLimits(rawDefaults);
  const overrides = new Map<string, Partial<Limits>>();
  if (rawOverrides !== null && rawOverrides !== undefined) {
    const byTenant = plainObject(rawOverrides, "overrides");
    for (const tenant of Object.keys(byTenant)) {
      const path = `overrides.${tenant}`;
      if (tenant === "") throw new ConfigError("overrides", "tenant id must not be empty");
      const partial = validatePartialLimits(byTenant[tenant] ?? {}, path);
      // Check what the tenant will actually run with, not the fragment alone.
      checkConsistency(mergeLimits(defaults, partial), path);
      overrides.set(tenant, partial);
    }
  }
  return Object.freeze({ defaults, overrides });
}

/** The effective limits of one tenant: its overrides on top of the defaults. */
export function limitsFor(config: RuntimeConfig, tenant: string): Limits {
  const partial = config.overrides.get(tenant);
  return partial === undefined ? config.defaults : mergeLimits(config.defaults, partial);
}

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export const REDACTED = "<redacted>";

const DURATION_FIELDS: ReadonlySet<string> = new Set<keyof Limits>([
  "creation_grace_period",
  "out_of_order_time_window",
  "ha_tracker_failover_timeout",
  "ha_tracker_cache_ttl",
  "compactor_blocks_retention_period",
  "compactor_deletion_delay",
  "max_total_query_length",
]);

/**
 * The config as a JSON document for display (admin API, logs): durations
 * back in Prometheus notation, and secrets (header values, credentials in
 * URLs) replaced by "<redacted>".
 */
export function redact(config: RuntimeConfig): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = { ...displayLimits(config.defaults) };
  const overrides: { [tenant: string]: JsonValue } = {};
  for (const [tenant, partial] of config.overrides) overrides[tenant] = displayLimits(partial);
  out["overrides"] = overrides;
  return out;
}

function displayLimits(limits: Partial<Limits>): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(limits) as [keyof Limits, Limits[keyof Limits]][]) {
    if (key === "remote_read_stores") {
      out[key] = (value as Limits["remote_read_stores"]).map((s) => ({
        name: s.name,
        url: redactUrl(s.url),
        headers: Object.fromEntries(Object.keys(s.headers).map((h) => [h, REDACTED])),
        external_labels: { ...s.external_labels },
        timeout: formatDuration(s.timeout),
      }));
    } else if (key === "compactor_block_ranges") {
      out[key] = (value as readonly number[]).map(formatDuration);
    } else if (DURATION_FIELDS.has(key)) {
      out[key] = formatDuration(value as number);
    } else {
      out[key] = value as JsonValue;
    }
  }
  return out;
}

/** Hides a password or token embedded in a URL's userinfo or query string. */
function redactUrl(text: string): string {
  // Inside a URL the marker is spelled without angle brackets, which would be percent-encoded.
  const marker = "redacted";
  const u = new URL(text);
  if (u.password !== "") u.password = marker;
  for (const key of [...u.searchParams.keys()]) {
    if (/token|key|secret|password|auth/i.test(key)) u.searchParams.set(key, marker);
  }
  return u.toString();
}
