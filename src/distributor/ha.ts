/**
 * The HA tracker's step in the push path: decides, before validation (as
 * Mimir's distributor does), whether a push from an HA replica is kept, and
 * removes the replica label from every series of a kept push so both
 * replicas write to the same series and shard the same way.
 *
 * Elections live in the tenant Durable Object. To spare most pushes that
 * round trip, each isolate keeps the last answer per (tenant, cluster) for
 * at most `ha_tracker_cache_ttl`, and only decides locally when the answer
 * the object would give is certain:
 *
 * - the elected replica is accepted locally while its last recorded push
 *   (`receivedAt`) is younger than the TTL; after that the object is asked,
 *   which records the push. The object's `receivedAt` therefore trails the
 *   replica's real last push by less than the TTL;
 * - another replica is rejected locally while the elected one's
 *   `receivedAt` is younger than the failover timeout. The object's
 *   `receivedAt` can only be newer than the cached one, so it would reject
 *   too.
 *
 * Neither shortcut can contradict the object. The cost is on the side of
 * failing over early: a replica that stops is replaced after a silence of
 * between `failover_timeout − cache_ttl` and `failover_timeout`.
 */
import type { Limits } from "../config/limits";
import type { Env } from "../env";
import type { Label } from "../model/labels";
import { tenantObject } from "../tenancy/limits";
import type { TenantId } from "../tenancy/tenant";
import { seriesLabels, type DecodedWriteRequest } from "../write/request";
import type { HAVerdict } from "./ha-store";
import { classifyPush, replicasNotMatchMessage, type ReplicaDesc } from "./ha-tracker";

export type HAOutcome =
  /** Not HA traffic, or the tracker is off for the tenant: store as sent. */
  | { readonly kind: "pass" }
  /** The replica is elected; the replica label has been removed. */
  | { readonly kind: "accepted"; readonly cluster: string; readonly replica: string }
  /** Nothing of the push may be stored; answer with `status` and `message`. */
  | { readonly kind: "rejected"; readonly status: 202 | 400; readonly message: string };

type HALimits = Pick<
  Limits,
  | "accept_ha_samples"
  | "ha_cluster_label"
  | "ha_replica_label"
  | "ha_max_clusters"
  | "ha_tracker_failover_timeout"
  | "ha_tracker_cache_ttl"
  | "max_label_value_length"
>;

/** Asks the tenant's election; the seam tests and other callers can replace. */
export type ElectionCall = (cluster: string, replica: string, now: number, limits: HALimits) => Promise<HAVerdict>;

/**
 * Runs the HA tracker for one decoded push. On acceptance the replica
 * label is removed from `req`'s series.
 */
export async function applyHATracker(
  env: Env,
  tenant: TenantId,
  limits: HALimits,
  req: DecodedWriteRequest,
  now: number,
  elect: ElectionCall = (cluster, replica, t, l) =>
    tenantObject(env, tenant).haCheck(cluster, replica, t, {
      failoverTimeoutMs: l.ha_tracker_failover_timeout,
      maxClusters: l.ha_max_clusters,
    }),
): Promise<HAOutcome> {
  if (!limits.accept_ha_samples) return { kind: "pass" };
  const first = req.series[0];
  const id = classifyPush(first === undefined ? undefined : seriesLabels(req, first), limits);
  if (id.kind === "not_ha") return { kind: "pass" };

  const key = cacheKey(tenant, id.cluster);
  let verdict = decideFromCache(cache.get(key), id.replica, now, limits);
  if (verdict === undefined) {
    verdict = await elect(id.cluster, id.replica, now, limits);
    remember(key, verdict, now);
  }
  if (!verdict.accepted) return { kind: "rejected", status: verdict.status, message: verdict.message };
  for (const s of req.series) s.refsEnd = req.symbols.dropLabel(req.labelRefs, s.refsStart, s.refsEnd, limits.ha_replica_label);
  return { kind: "accepted", cluster: id.cluster, replica: id.replica };
}

// ---- isolate cache ----

interface CachedElection {
  readonly elected: ReplicaDesc;
  /** When (ms) the tenant object gave this answer. */
  readonly fetchedAt: number;
}

/** Bounds the cache when one isolate sees very many tenants and clusters. */
const MAX_CACHED_CLUSTERS = 10_000;

const cache = new Map<string, CachedElection>();

function cacheKey(tenant: string, cluster: string): string {
  return `${tenant}\u0000${cluster}`;
}

/** The object's answer when the cache makes it certain (see the module comment), else undefined. */
export function decideFromCache(
  entry: CachedElection | undefined,
  replica: string,
  now: number,
  limits: Pick<Limits, "ha_tracker_cache_ttl" | "ha_tracker_failover_timeout">,
): HAVerdict | undefined {
  // Overrides set through the admin API are not checked against each other,
  // so enforce here that a cached election expires 1s before a failover.
  const ttl = Math.min(limits.ha_tracker_cache_ttl, limits.ha_tracker_failover_timeout - 1000);
  if (entry === undefined || now - entry.fetchedAt >= ttl) return undefined;
  const silentFor = now - entry.elected.receivedAt;
  if (entry.elected.replica === replica) {
    return silentFor < ttl ? { accepted: true, elected: entry.elected } : undefined;
  }
  if (silentFor < limits.ha_tracker_failover_timeout) {
    return {
      accepted: false,
      status: 202,
      message: replicasNotMatchMessage(replica, entry.elected.replica),
      elected: entry.elected,
    };
  }
  return undefined;
}

function remember(key: string, verdict: HAVerdict, now: number): void {
  if (verdict.elected === undefined) return;
  cache.delete(key);
  if (cache.size >= MAX_CACHED_CLUSTERS) cache.delete(cache.keys().next().value!);
  cache.set(key, { elected: verdict.elected, fetchedAt: now });
}

/** Forgets every cached election of the isolate (tests, config changes). */
export function clearHACache(): void {
  cache.clear();
}

/**
 * What a push carried, for the written-count headers of a 202 answer to a
 * non-elected replica. That data is accepted as a duplicate of the elected
 * replica's, not refused: reporting it as unwritten would make Prometheus
 * log "statistics indicate some data was not written" on every push of a
 * healthy standby (and break remote-write 2.0's rule that a 2xx means all
 * was written).
 */
export function sentCounts(req: DecodedWriteRequest): { samples: number; histograms: number; exemplars: number } {
  let histograms = 0;
  let exemplars = 0;
  for (const s of req.series) {
    histograms += s.histogramCount;
    exemplars += s.exemplars.length;
  }
  return { samples: req.timestamps.length, histograms, exemplars };
}
