/**
 * HA tracker: accepts samples from one Prometheus replica per HA cluster,
 * with Cortex/Mimir semantics.
 *
 * Pairs of Prometheus servers scrape the same targets and both remote-write;
 * they carry the same `cluster` external label and different `__replica__`
 * labels. The first replica seen for a cluster is elected; pushes from the
 * others are dropped (answered 202 so they are not retried) until the
 * elected replica has been silent for the failover timeout, when the next
 * replica to push takes over. Accepted series lose the replica label, so
 * both replicas write to the same series.
 *
 * Everything here is pure: the tenant Durable Object owns the state,
 * persists it through `HATrackerStore`, and serialises calls.
 */
import type { Labels } from "../model/labels";

/** The elected replica of one cluster (Mimir's `ReplicaDesc`). */
export interface ReplicaDesc {
  readonly replica: string;
  /** Last time (ms) a push from the elected replica was recorded. */
  readonly receivedAt: number;
  /** When (ms) this replica was elected. */
  readonly electedAt: number;
  /** How many times the cluster's elected replica has changed. */
  readonly electedChanges: number;
}

/** One tenant's elections, by cluster. */
export type HAState = ReadonlyMap<string, ReplicaDesc>;

export const EMPTY_HA_STATE: HAState = new Map();

export interface ElectionOptions {
  /** Silence (ms) of the elected replica after which another may take over. */
  readonly failoverTimeoutMs: number;
  /** Clusters tracked per tenant; a new cluster beyond it is rejected. 0 = unlimited. */
  readonly maxClusters?: number;
  /**
   * Skip refreshing `receivedAt` when it is younger than this (ms), so the
   * store is written at most once per interval per cluster rather than on
   * every push. Must stay well below the failover timeout. Default 0.
   */
  readonly updateTimeoutMs?: number;
}

export type RejectReason = "replica_not_elected" | "too_many_clusters";

export type ElectionResult =
  | {
      readonly accepted: true;
      readonly state: HAState;
      /** True when `state` differs from the input and must be persisted. */
      readonly changed: boolean;
      readonly elected: ReplicaDesc;
      /** True when this call elected a replica (first sight or failover). */
      readonly newlyElected: boolean;
    }
  | {
      readonly accepted: false;
      readonly state: HAState;
      readonly changed: false;
      readonly reason: RejectReason;
      /** Mimir-compatible message for the HTTP response. */
      readonly message: string;
      /** HTTP status Mimir answers with: 202 for a non-elected replica, 400 for the cluster limit. */
      readonly status: 202 | 400;
      /** The currently elected replica, when the reason is `replica_not_elected`. */
      readonly elected?: ReplicaDesc;
    };

/**
 * Decides whether a push from `replica` of `cluster`, received at `now`
 * (ms), is accepted, and returns the state to persist.
 */
export function electReplica(
  state: HAState,
  cluster: string,
  replica: string,
  now: number,
  opts: ElectionOptions | number,
): ElectionResult {
  const o: ElectionOptions = typeof opts === "number" ? { failoverTimeoutMs: opts } : opts;
  const current = state.get(cluster);

  if (current === undefined) {
    const limit = o.maxClusters ?? 0;
    if (limit > 0 && state.size + 1 > limit) {
      return {
        accepted: false,
        state,
        changed: false,
        reason: "too_many_clusters",
        message: tooManyClustersMessage(limit),
        status: 400,
      };
    }
    const elected: ReplicaDesc = { replica, receivedAt: now, electedAt: now, electedChanges: 0 };
    return { accepted: true, state: withCluster(state, cluster, elected), changed: true, elected, newlyElected: true };
  }

  const silentFor = now - current.receivedAt;
  if (current.replica === replica) {
    if (silentFor < (o.updateTimeoutMs ?? 0) || now <= current.receivedAt) {
      return { accepted: true, state, changed: false, elected: current, newlyElected: false };
    }
    const elected: ReplicaDesc = { ...current, receivedAt: now };
    return { accepted: true, state: withCluster(state, cluster, elected), changed: true, elected, newlyElected: false };
  }

  // Mimir fails over once the silence reaches the timeout (not strictly exceeds it).
  if (silentFor < o.failoverTimeoutMs) {
    return {
      accepted: false,
      state,
      changed: false,
      reason: "replica_not_elected",
      message: replicasNotMatchMessage(replica, current.replica),
      status: 202,
      elected: current,
    };
  }
  const elected: ReplicaDesc = {
    replica,
    receivedAt: now,
    electedAt: now,
    electedChanges: current.electedChanges + 1,
  };
  return { accepted: true, state: withCluster(state, cluster, elected), changed: true, elected, newlyElected: true };
}

/**
 * Forgets clusters whose elected replica has been silent for `idleMs`
 * (Mimir uses 30 minutes), freeing their slot under `ha_max_clusters`.
 * Returns the removed cluster names so the store can delete them.
 */
export function pruneClusters(state: HAState, now: number, idleMs: number): { state: HAState; removed: string[] } {
  const removed: string[] = [];
  for (const [cluster, desc] of state) if (now - desc.receivedAt >= idleMs) removed.push(cluster);
  if (removed.length === 0) return { state, removed };
  const next = new Map(state);
  for (const c of removed) next.delete(c);
  return { state: next, removed };
}

/** Mimir's idle time before an HA cluster is forgotten. */
export const HA_CLUSTER_IDLE_MS = 30 * 60_000;

function withCluster(state: HAState, cluster: string, desc: ReplicaDesc): HAState {
  const next = new Map(state);
  next.set(cluster, desc);
  return next;
}

export function replicasNotMatchMessage(replica: string, elected: string): string {
  return `replicas did not match, rejecting sample: replica=${replica}, elected=${elected}`;
}

export function tooManyClustersMessage(limit: number): string {
  return (
    "the write request has been rejected because the maximum number of high-availability (HA) clusters " +
    `has been reached for this tenant (limit: ${limit}). To adjust it, set ha_max_clusters for the tenant ` +
    "in the runtime configuration."
  );
}

/** Where the tenant DO keeps elections; one record per cluster. */
export interface HATrackerStore {
  load(): HAState | Promise<HAState>;
  put(cluster: string, desc: ReplicaDesc): void | Promise<void>;
  delete(cluster: string): void | Promise<void>;
}

/**
 * Runs one election against a store: loads, decides, and writes back only
 * the cluster whose record changed. Callers must serialise calls per tenant
 * (a Durable Object's input gate does).
 */
export async function checkReplica(
  store: HATrackerStore,
  cluster: string,
  replica: string,
  now: number,
  opts: ElectionOptions,
): Promise<ElectionResult> {
  const result = electReplica(await store.load(), cluster, replica, now, opts);
  if (result.changed) await store.put(cluster, result.elected);
  return result;
}

// ---- labels ----

/** The HA identity a push carries. */
export type HAIdentity =
  | { readonly kind: "ha"; readonly cluster: string; readonly replica: string }
  /** Missing one of the labels: accepted as is, replica label (if any) kept. */
  | { readonly kind: "not_ha" };

/** Values of the cluster and replica labels ("" when absent). */
export function findHALabels(
  labels: Labels,
  clusterLabel: string,
  replicaLabel: string,
): { cluster: string; replica: string } {
  let cluster = "";
  let replica = "";
  for (const l of labels) {
    if (l.name === clusterLabel) cluster = l.value;
    else if (l.name === replicaLabel) replica = l.value;
  }
  return { cluster, replica };
}

/**
 * Classifies a push by the labels of its first series, as Mimir does (a
 * Prometheus sends its external labels on every series). A push with only
 * one of the two labels is not HA traffic: it is accepted unchanged. So is
 * one whose replica value is over the label-value length limit, which then
 * fails ordinary validation instead of becoming an election.
 */
export function classifyPush(
  firstSeries: Labels | undefined,
  limits: { readonly ha_cluster_label: string; readonly ha_replica_label: string; readonly max_label_value_length: number },
): HAIdentity {
  if (firstSeries === undefined) return { kind: "not_ha" };
  const { cluster, replica } = findHALabels(firstSeries, limits.ha_cluster_label, limits.ha_replica_label);
  if (cluster === "" || replica === "") return { kind: "not_ha" };
  if (limits.max_label_value_length > 0 && replica.length > limits.max_label_value_length) return { kind: "not_ha" };
  return { kind: "ha", cluster, replica };
}

/** Removes the replica label; returns the same array when it is absent. */
export function stripReplicaLabel(labels: Labels, replicaLabel: string): Labels {
  let i = 0;
  while (i < labels.length && labels[i]!.name !== replicaLabel) i++;
  if (i === labels.length) return labels;
  return [...labels.slice(0, i), ...labels.slice(i + 1)];
}
