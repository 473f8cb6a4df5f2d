import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../config/limits";
import type { Env } from "../env";
import type { Label } from "../model/labels";
import type { TenantId } from "../tenancy/tenant";
import { seriesLabels, seriesRefs, type DecodedWriteRequest } from "../write/request";
import { decodedRequest } from "../write/testutil";
import { applyHATracker, clearHACache, decideFromCache, type ElectionCall } from "./ha";
import type { HAVerdict } from "./ha-store";
import { electReplica, type HAState } from "./ha-tracker";

const LIMITS = {
  ...DEFAULT_LIMITS,
  accept_ha_samples: true,
  ha_tracker_failover_timeout: 30_000,
  ha_tracker_cache_ttl: 10_000,
};

function request(replica: string): DecodedWriteRequest {
  const labels = (name: string): Label[] => [
    { name: "__name__", value: name },
    { name: "__replica__", value: replica },
    { name: "cluster", value: "c1" },
  ];
  const series = ["a", "b"].map((n, i) => ({ labels: labels(n), sampleStart: i, sampleEnd: i + 1 }));
  return decodedRequest(series, new Float64Array(2), new Float64Array(2));
}

/** A tenant object stand-in running the real election, counting calls. */
function fakeObject(): { elect: ElectionCall; calls: () => number } {
  let state: HAState = new Map();
  let calls = 0;
  const elect: ElectionCall = async (cluster, replica, now, l) => {
    calls++;
    const r = electReplica(state, cluster, replica, now, { failoverTimeoutMs: l.ha_tracker_failover_timeout });
    state = r.state;
    const v: HAVerdict = r.accepted
      ? { accepted: true, elected: r.elected }
      : { accepted: false, status: r.status, message: r.message, elected: r.elected! };
    return v;
  };
  return { elect, calls: () => calls };
}

const env = {} as Env;
const tenant = "t" as TenantId;

describe("applyHATracker", () => {
  beforeEach(() => clearHACache());

  it("removes the replica label from every series of an accepted push", async () => {
    const obj = fakeObject();
    const req = request("r1");
    const out = await applyHATracker(env, tenant, LIMITS, req, 1_000, obj.elect);
    expect(out).toEqual({ kind: "accepted", cluster: "c1", replica: "r1" });
    for (const s of req.series) expect(seriesLabels(req, s).map((l) => l.name)).toEqual(["__name__", "cluster"]);
  });

  it("answers from the isolate cache within the TTL and asks the object after it", async () => {
    const obj = fakeObject();
    await applyHATracker(env, tenant, LIMITS, request("r1"), 0, obj.elect);
    expect(obj.calls()).toBe(1);
    // Elected replica within the TTL, other replica within the failover timeout: no calls.
    expect((await applyHATracker(env, tenant, LIMITS, request("r1"), 5_000, obj.elect)).kind).toBe("accepted");
    const rejected = await applyHATracker(env, tenant, LIMITS, request("r2"), 6_000, obj.elect);
    expect(rejected).toEqual({
      kind: "rejected",
      status: 202,
      message: "replicas did not match, rejecting sample: replica=r2, elected=r1",
    });
    expect(obj.calls()).toBe(1);
    // Past the TTL the elected replica's push goes to the object (which records it).
    await applyHATracker(env, tenant, LIMITS, request("r1"), 10_000, obj.elect);
    expect(obj.calls()).toBe(2);
  });

  it("leaves pushes alone when the tracker is off", async () => {
    const obj = fakeObject();
    const req = request("r1");
    const out = await applyHATracker(env, tenant, { ...LIMITS, accept_ha_samples: false }, req, 0, obj.elect);
    expect(out).toEqual({ kind: "pass" });
    expect(seriesRefs(req, req.series[0]!)).toHaveLength(6);
    expect(obj.calls()).toBe(0);
  });
});

describe("decideFromCache", () => {
  const elected = { replica: "r1", receivedAt: 100_000, electedAt: 0, electedChanges: 0 };
  const entry = { elected, fetchedAt: 100_000 };

  it("never rejects once the elected replica may have failed over", () => {
    // 30 s after the last recorded push the object might elect r2: ask it.
    expect(decideFromCache({ elected, fetchedAt: 125_000 }, "r2", 130_000, LIMITS)).toBeUndefined();
    expect(decideFromCache({ elected, fetchedAt: 125_000 }, "r2", 129_999, LIMITS)?.accepted).toBe(false);
  });

  it("trusts an entry only for the cache TTL", () => {
    expect(decideFromCache(entry, "r1", 109_999, LIMITS)?.accepted).toBe(true);
    expect(decideFromCache(entry, "r1", 110_000, LIMITS)).toBeUndefined();
    expect(decideFromCache(entry, "r2", 110_000, LIMITS)).toBeUndefined();
    expect(decideFromCache(entry, "r1", 100_500, { ...LIMITS, ha_tracker_cache_ttl: 0 })).toBeUndefined();
  });

  it("caps the TTL 1s below the failover timeout when the settings disagree", () => {
    const bad = { ha_tracker_cache_ttl: 10_000, ha_tracker_failover_timeout: 3_000 };
    expect(decideFromCache(entry, "r1", 101_999, bad)?.accepted).toBe(true);
    // With a 10s TTL this would be accepted locally although the object may already have failed over.
    expect(decideFromCache(entry, "r1", 102_000, bad)).toBeUndefined();
    expect(decideFromCache(entry, "r2", 100_500, { ha_tracker_cache_ttl: 10_000, ha_tracker_failover_timeout: 500 })).toBeUndefined();
  });
});
