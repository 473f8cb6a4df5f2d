import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULT_LIMITS,
  formatDuration,
  limitsFor,
  parseDuration,
  parseDurationString,
  parseRuntimeConfig,
  redact,
  validateLimits,
} from "./index";

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("durations", () => {
  it("parses Prometheus duration strings into ms", () => {
    expect(parseDurationString("10m")).toBe(600_000);
    expect(parseDurationString("1h30m")).toBe(5_400_000);
    expect(parseDurationString("1d2h")).toBe(26 * 3_600_000);
    expect(parseDurationString("2w")).toBe(14 * 86_400_000);
    expect(parseDurationString("1y")).toBe(365 * 86_400_000);
    expect(parseDurationString("1s500ms")).toBe(1500);
    expect(parseDurationString("0")).toBe(0);
  });

  it("rejects malformed strings and out-of-order units", () => {
    for (const bad of ["", "10", "1.5h", "30m1h", "1m1m", "abc", "-5m", "5 m", "1h 30m"]) {
      expect(parseDurationString(bad), bad).toBeNull();
    }
  });

  it("takes bare numbers as seconds", () => {
    expect(parseDuration(30, "f")).toBe(30_000);
    expect(parseDuration(0.25, "f")).toBe(250);
    expect(errorOf(() => parseDuration(-1, "x.y")).message).toBe("x.y: must be a non-negative duration");
    expect(errorOf(() => parseDuration("soon", "x")).message).toMatch(/^x: must be a duration/);
  });

  it("formats back to the shortest string", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(1500)).toBe("1s500ms");
    expect(formatDuration(0)).toBe("0s");
    expect(parseDurationString(formatDuration(987_654_321))).toBe(987_654_321);
  });
});

describe("validateLimits", () => {
  it("fills Mimir's defaults", () => {
    const l = validateLimits({});
    expect(l.max_label_name_length).toBe(1024);
    expect(l.max_label_value_length).toBe(2048);
    expect(l.max_label_names_per_series).toBe(30);
    expect(l.creation_grace_period).toBe(10 * 60_000);
    expect(l.ha_cluster_label).toBe("cluster");
    expect(l.ha_replica_label).toBe("__replica__");
    expect(l.ha_max_clusters).toBe(100);
    expect(l.ha_tracker_failover_timeout).toBe(30_000);
    expect(l.accept_ha_samples).toBe(false);
    expect(l.compactor_blocks_retention_period).toBe(0);
  });

  it("names the bad field and the rule", () => {
    expect(errorOf(() => validateLimits({ ingestion_rate: -1 })).message).toBe(
      "ingestion_rate: must be a non-negative number",
    );
    expect(errorOf(() => validateLimits({ ingestion_rate: "fast" })).field).toBe("ingestion_rate");
    expect(errorOf(() => validateLimits({ max_label_names_per_series: 2.5 })).message).toBe(
      "max_label_names_per_series: must be a non-negative integer",
    );
    expect(errorOf(() => validateLimits({ accept_ha_samples: "yes" })).message).toBe(
      "accept_ha_samples: must be true or false",
    );
    expect(errorOf(() => validateLimits({ shards: 0 })).field).toBe("shards");
    expect(errorOf(() => validateLimits({ query_replica_labels: ["a", "a"] })).field).toBe("query_replica_labels[1]");
  });

  it("rejects unknown fields by name", () => {
    expect(errorOf(() => validateLimits({ ingestion_rates: 5 })).message).toBe("ingestion_rates: unknown field");
  });

  it("rejects an HA cache TTL that would outlive the failover timeout", () => {
    const e = errorOf(() =>
      validateLimits({ accept_ha_samples: true, ha_tracker_failover_timeout: "10s", ha_tracker_cache_ttl: "10s" }),
    );
    expect(e.field).toBe("ha_tracker_failover_timeout");
    expect(validateLimits({ accept_ha_samples: true, ha_tracker_failover_timeout: "11s", ha_tracker_cache_ttl: "10s" }).ha_tracker_failover_timeout).toBe(11_000);
  });

  it("rejects identical cluster and replica labels", () => {
    expect(errorOf(() => validateLimits({ ha_replica_label: "cluster" })).field).toBe("ha_replica_label");
  });

  it("validates remote-read stores", () => {
    const l = validateLimits({
      remote_read_stores: [{ name: "a", url: "https://prom-a.example/api/v1/read", external_labels: { site: "a" } }],
    });
    expect(l.remote_read_stores).toEqual([
      { name: "a", url: "https://prom-a.example/api/v1/read", headers: {}, external_labels: { site: "a" }, timeout: 60_000 },
    ]);
    expect(errorOf(() => validateLimits({ remote_read_stores: [{ name: "a", url: "ftp://x" }] })).field).toBe(
      "remote_read_stores[0].url",
    );
    expect(
      errorOf(() =>
        validateLimits({ remote_read_stores: [{ name: "a", url: "http://x" }, { name: "a", url: "http://y" }] }),
      ).field,
    ).toBe("remote_read_stores[1].name");
    expect(errorOf(() => validateLimits({ remote_read_stores: [{ name: "a", url: "http://x", token: "t" }] })).field).toBe(
      "remote_read_stores[0].token",
    );
    expect(errorOf(() => validateLimits({ remote_read_stores: [{ name: "a", url: "http://x", headers: { A: 1 } }] })).field).toBe(
      "remote_read_stores[0].headers.A",
    );
    expect(errorOf(() => validateLimits({ remote_read_stores: [{ name: "a", url: "http://x", timeout: "0s" }] })).field).toBe(
      "remote_read_stores[0].timeout",
    );
  });
});

const YAML_CONFIG = `
ingestion_rate: 5000
creation_grace_period: 5m
query_replica_labels: [replica, prometheus_replica]
overrides:
  team-a:
    ingestion_rate: 20000
    accept_ha_samples: true
    ha_tracker_failover_timeout: 1m
    remote_read_stores:
      - name: edge
        url: https://alice:hunter2@edge.example/api/v1/read?access_token=abc&x=1
        headers:
          Authorization: Bearer s3cret
        timeout: 15s
  team-b:
    shards: 16
`;

describe("parseRuntimeConfig", () => {
  it("reads YAML defaults and overrides", () => {
    const cfg = parseRuntimeConfig(YAML_CONFIG);
    expect(cfg.defaults.ingestion_rate).toBe(5000);
    expect(cfg.defaults.creation_grace_period).toBe(300_000);
    expect(cfg.defaults.query_replica_labels).toEqual(["replica", "prometheus_replica"]);
    expect([...cfg.overrides.keys()]).toEqual(["team-a", "team-b"]);
  });

  it("reads JSON", () => {
    const cfg = parseRuntimeConfig(JSON.stringify({ shards: 2, overrides: { t: { max_global_series_per_user: 0 } } }));
    expect(cfg.defaults.shards).toBe(2);
    expect(limitsFor(cfg, "t").max_global_series_per_user).toBe(0);
  });

  it("treats an empty file as all defaults", () => {
    expect(limitsFor(parseRuntimeConfig(""), "x")).toEqual(DEFAULT_LIMITS);
  });

  it("merges a tenant's overrides over the file's defaults", () => {
    const cfg = parseRuntimeConfig(YAML_CONFIG);
    const a = limitsFor(cfg, "team-a");
    expect(a.ingestion_rate).toBe(20000);
    expect(a.creation_grace_period).toBe(300_000); // from the file's defaults
    expect(a.ingestion_burst_size).toBe(200_000); // built-in default
    expect(a.accept_ha_samples).toBe(true);
    expect(a.remote_read_stores[0]!.timeout).toBe(15_000);
    expect(limitsFor(cfg, "team-b").shards).toBe(16);
    expect(limitsFor(cfg, "team-b").ingestion_rate).toBe(5000);
    expect(limitsFor(cfg, "nobody")).toBe(cfg.defaults);
  });

  it("names the tenant in override errors", () => {
    const e = errorOf(() => parseRuntimeConfig("overrides:\n  team-a:\n    ingestion_rate: -3\n"));
    expect(e.message).toBe("overrides.team-a.ingestion_rate: must be a non-negative number");
    expect(errorOf(() => parseRuntimeConfig("overrides:\n  team-a:\n    bogus: 1\n")).message).toBe(
      "overrides.team-a.bogus: unknown field",
    );
  });

  it("checks cross-field rules on the merged tenant limits", () => {
    const text = "ha_tracker_cache_ttl: 30s\noverrides:\n  t:\n    accept_ha_samples: true\n";
    expect(errorOf(() => parseRuntimeConfig(text)).field).toBe("overrides.t.ha_tracker_failover_timeout");
  });

  it("reports syntax errors", () => {
    expect(errorOf(() => parseRuntimeConfig("a: [1, 2\n")).message).toMatch(/neither valid YAML nor JSON/);
    expect(errorOf(() => parseRuntimeConfig("- 1\n- 2\n")).message).toMatch(/must be a mapping/);
  });
});

describe("redact", () => {
  it("hides header values and URL credentials, keeps the rest readable", () => {
    const shown = redact(parseRuntimeConfig(YAML_CONFIG));
    const text = JSON.stringify(shown);
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("abc");
    expect(shown["creation_grace_period"]).toBe("5m");
    const overrides = shown["overrides"] as Record<string, Record<string, unknown>>;
    const store = (overrides["team-a"]!["remote_read_stores"] as Record<string, unknown>[])[0]!;
    expect(store["headers"]).toEqual({ Authorization: "<redacted>" });
    expect(store["url"]).toBe("https://alice:redacted@edge.example/api/v1/read?access_token=redacted&x=1");
    expect(store["timeout"]).toBe("15s");
    expect(overrides["team-b"]).toEqual({ shards: 16 });
  });
});

describe("compactor settings", () => {
  it("accepts block ranges that start at 2h and grow by multiples", () => {
    const l = validateLimits({ compactor_block_ranges: ["2h", "12h", "48h"], compactor_deletion_delay: "1h" });
    expect(l.compactor_block_ranges).toEqual([7_200_000, 43_200_000, 172_800_000]);
    expect(l.compactor_deletion_delay).toBe(3_600_000);
  });
  it.each([
    [["1h", "12h"], "compactor_block_ranges[0]: must be 2h, the range ingesters cut blocks at"],
    [["2h", "5h"], "compactor_block_ranges[1]: must be greater than and a multiple of the range before it"],
    [[], "compactor_block_ranges: must be a non-empty list of durations"],
  ])("rejects %j", (ranges, message) => {
    expect(() => validateLimits({ compactor_block_ranges: ranges })).toThrow(message);
  });
});
