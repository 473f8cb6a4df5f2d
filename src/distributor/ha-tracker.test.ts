import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../model/labels";
import {
  EMPTY_HA_STATE,
  type HAState,
  type HATrackerStore,
  type ReplicaDesc,
  checkReplica,
  classifyPush,
  electReplica,
  findHALabels,
  pruneClusters,
  stripReplicaLabel,
} from "./ha-tracker";

const FAILOVER = 30_000;
const T0 = 1_700_000_000_000;

/** Replays pushes and returns which were accepted. */
function replay(pushes: [cluster: string, replica: string, at: number][], failover = FAILOVER): boolean[] {
  let state: HAState = EMPTY_HA_STATE;
  return pushes.map(([c, r, at]) => {
    const res = electReplica(state, c, r, at, failover);
    state = res.state;
    return res.accepted;
  });
}

describe("electReplica", () => {
  it("elects the first replica seen and rejects the other with Mimir's 202", () => {
    const first = electReplica(EMPTY_HA_STATE, "prod", "a", T0, FAILOVER);
    expect(first.accepted).toBe(true);
    expect(first.changed).toBe(true);
    expect(first.state.get("prod")).toEqual({ replica: "a", receivedAt: T0, electedAt: T0, electedChanges: 0 });

    const other = electReplica(first.state, "prod", "b", T0 + 1000, FAILOVER);
    expect(other.accepted).toBe(false);
    if (other.accepted) return;
    expect(other.reason).toBe("replica_not_elected");
    expect(other.status).toBe(202);
    expect(other.message).toBe("replicas did not match, rejecting sample: replica=b, elected=a");
    expect(other.changed).toBe(false);
    expect(other.state).toBe(first.state);
  });

  it("refreshes receivedAt when the elected replica pushes", () => {
    const s1 = electReplica(EMPTY_HA_STATE, "prod", "a", T0, FAILOVER).state;
    const r = electReplica(s1, "prod", "a", T0 + 15_000, FAILOVER);
    expect(r.accepted && r.changed).toBe(true);
    expect(r.state.get("prod")!.receivedAt).toBe(T0 + 15_000);
    expect(r.state.get("prod")!.electedAt).toBe(T0);
    expect(s1.get("prod")!.receivedAt).toBe(T0); // input untouched
  });

  it("fails over once the elected replica has been silent for the timeout", () => {
    // a pushes at 0 and 10s, then dies; b keeps trying.
    const accepted = replay([
      ["prod", "a", T0],
      ["prod", "a", T0 + 10_000],
      ["prod", "b", T0 + 20_000],
      ["prod", "b", T0 + 39_999], // a silent 29.999s: still a's
      ["prod", "b", T0 + 40_000], // a silent exactly 30s: b takes over
      ["prod", "a", T0 + 45_000], // a returns: now the loser
      ["prod", "b", T0 + 50_000],
    ]);
    expect(accepted).toEqual([true, true, false, false, true, false, true]);
  });

  it("counts elected replica changes", () => {
    let state: HAState = EMPTY_HA_STATE;
    for (const [r, at] of [["a", 0], ["b", 30_000], ["a", 60_000], ["a", 61_000]] as const) {
      state = electReplica(state, "c", r, T0 + at, FAILOVER).state;
    }
    expect(state.get("c")).toEqual({ replica: "a", receivedAt: T0 + 61_000, electedAt: T0 + 60_000, electedChanges: 2 });
  });

  it("keeps clusters independent", () => {
    const accepted = replay([
      ["east", "a", T0],
      ["west", "b", T0 + 1],
      ["east", "b", T0 + 2],
      ["west", "a", T0 + 3],
      ["west", "b", T0 + 4],
    ]);
    expect(accepted).toEqual([true, true, false, false, true]);
  });

  it("honours the update timeout to avoid a store write per push", () => {
    const opts = { failoverTimeoutMs: FAILOVER, updateTimeoutMs: 15_000 };
    const s1 = electReplica(EMPTY_HA_STATE, "c", "a", T0, opts).state;
    const quiet = electReplica(s1, "c", "a", T0 + 14_999, opts);
    expect(quiet.accepted).toBe(true);
    expect(quiet.changed).toBe(false);
    const refresh = electReplica(s1, "c", "a", T0 + 15_000, opts);
    expect(refresh.changed).toBe(true);
  });

  it("does not move receivedAt backwards when clocks disagree", () => {
    const s1 = electReplica(EMPTY_HA_STATE, "c", "a", T0, FAILOVER).state;
    const r = electReplica(s1, "c", "a", T0 - 5000, FAILOVER);
    expect(r.accepted).toBe(true);
    expect(r.changed).toBe(false);
    expect(electReplica(s1, "c", "b", T0 - 5000 + FAILOVER, FAILOVER).accepted).toBe(false);
  });

  it("rejects a new cluster beyond ha_max_clusters with a 400, but not known ones", () => {
    const opts = { failoverTimeoutMs: FAILOVER, maxClusters: 2 };
    let state = electReplica(EMPTY_HA_STATE, "c1", "a", T0, opts).state;
    state = electReplica(state, "c2", "a", T0, opts).state;
    const third = electReplica(state, "c3", "a", T0, opts);
    expect(third.accepted).toBe(false);
    if (third.accepted) return;
    expect(third.reason).toBe("too_many_clusters");
    expect(third.status).toBe(400);
    expect(third.message).toMatch(/maximum number of high-availability \(HA\) clusters .*\(limit: 2\)/);
    expect(electReplica(state, "c2", "a", T0 + 1, opts).accepted).toBe(true);
    expect(electReplica(state, "c3", "a", T0, { failoverTimeoutMs: FAILOVER, maxClusters: 0 }).accepted).toBe(true);
  });
});

describe("pruneClusters", () => {
  it("forgets idle clusters, freeing their slot", () => {
    const opts = { failoverTimeoutMs: FAILOVER, maxClusters: 1 };
    const state = electReplica(EMPTY_HA_STATE, "old", "a", T0, opts).state;
    expect(electReplica(state, "new", "a", T0 + 1_800_000, opts).accepted).toBe(false);
    const pruned = pruneClusters(state, T0 + 1_800_000, 1_800_000);
    expect(pruned.removed).toEqual(["old"]);
    expect(electReplica(pruned.state, "new", "a", T0 + 1_800_000, opts).accepted).toBe(true);
    expect(pruneClusters(state, T0 + 1_799_999, 1_800_000).removed).toEqual([]);
  });
});

describe("checkReplica with a store", () => {
  it("writes only when the election changed", async () => {
    const rows = new Map<string, ReplicaDesc>();
    const writes: string[] = [];
    const store: HATrackerStore = {
      load: () => new Map(rows),
      put: (c, d) => {
        writes.push(`${c}=${d.replica}@${d.receivedAt - T0}`);
        rows.set(c, d);
      },
      delete: (c) => void rows.delete(c),
    };
    const opts = { failoverTimeoutMs: FAILOVER, updateTimeoutMs: 10_000 };
    expect((await checkReplica(store, "c", "a", T0, opts)).accepted).toBe(true);
    expect((await checkReplica(store, "c", "a", T0 + 5000, opts)).accepted).toBe(true);
    expect((await checkReplica(store, "c", "b", T0 + 6000, opts)).accepted).toBe(false);
    expect((await checkReplica(store, "c", "a", T0 + 10_000, opts)).accepted).toBe(true);
    expect((await checkReplica(store, "c", "b", T0 + 40_000, opts)).accepted).toBe(true);
    expect(writes).toEqual(["c=a@0", "c=a@10000", "c=b@40000"]);
  });
});

describe("HA labels", () => {
  const limits = { ha_cluster_label: "cluster", ha_replica_label: "__replica__", max_label_value_length: 10 };

  it("finds both labels", () => {
    const ls = labelsFromRecord({ __name__: "up", cluster: "prod", __replica__: "r1", job: "x" });
    expect(findHALabels(ls, "cluster", "__replica__")).toEqual({ cluster: "prod", replica: "r1" });
    expect(classifyPush(ls, limits)).toEqual({ kind: "ha", cluster: "prod", replica: "r1" });
  });

  it("treats a push with only one of the labels as non-HA", () => {
    expect(classifyPush(labelsFromRecord({ __name__: "up", cluster: "prod" }), limits)).toEqual({ kind: "not_ha" });
    expect(classifyPush(labelsFromRecord({ __name__: "up", __replica__: "r1" }), limits)).toEqual({ kind: "not_ha" });
    expect(classifyPush(undefined, limits)).toEqual({ kind: "not_ha" });
  });

  it("does not elect a replica whose value is over the length limit", () => {
    const ls = labelsFromRecord({ cluster: "prod", __replica__: "r".repeat(11) });
    expect(classifyPush(ls, limits)).toEqual({ kind: "not_ha" });
  });

  it("honours custom label names", () => {
    const ls = labelsFromRecord({ dc: "east", prometheus_replica: "p0", cluster: "ignored" });
    const custom = { ha_cluster_label: "dc", ha_replica_label: "prometheus_replica", max_label_value_length: 0 };
    expect(classifyPush(ls, custom)).toEqual({ kind: "ha", cluster: "east", replica: "p0" });
  });

  it("strips the replica label and keeps the order", () => {
    const ls = labelsFromRecord({ __name__: "up", __replica__: "r1", cluster: "prod", job: "x" });
    expect(stripReplicaLabel(ls, "__replica__").map((l) => l.name)).toEqual(["__name__", "cluster", "job"]);
    const without = labelsFromRecord({ a: "1" });
    expect(stripReplicaLabel(without, "__replica__")).toBe(without);
  });
});
