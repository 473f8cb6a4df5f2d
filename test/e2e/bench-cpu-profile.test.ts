/**
 * bench:ingest --profile samples the Worker's isolate through wrangler's
 * inspector: the profile must see the write path's own functions while
 * remote_write requests are served, and leave the server working after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeV2, NodeExporterGenerator } from "../../bench/gen";
import { startCpuProfile, summarizeProfile } from "../../bench/cpu-profile";
import { pushRemoteWrite } from "../support/push";
import { startWranglerDev, type WranglerDev } from "../support/wrangler";

describe("CPU profile of the Worker under wrangler dev", () => {
  let gateway: WranglerDev | undefined;

  beforeAll(async () => {
    gateway = await startWranglerDev();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("attributes remote_write handling to the push handler", async () => {
    const bodies = new NodeExporterGenerator({ seed: 5, targets: 11 }).batches(30, 500).map((b) => encodeV2(b));
    const profiler = await startCpuProfile(gateway!.inspectorUrl);
    for (const body of bodies) {
      const res = await pushRemoteWrite(`${gateway!.url}/api/v1/push`, body, { protocol: "v2", tenant: "profiled" });
      expect(res.status).toBe(204);
    }
    const profile = await profiler.stop();
    expect(profile.samples.length).toBeGreaterThan(0);
    const summary = summarizeProfile(profile, 200);
    const handler = summary.inclusive.find((f) => f.name.startsWith("handlePush "));
    expect(handler, summary.inclusive.map((f) => f.name).join(", ")).toBeDefined();
    expect(handler!.share).toBeGreaterThan(0);

    // The inspector session is gone; the Worker still serves.
    const after = await pushRemoteWrite(`${gateway!.url}/api/v1/push`, bodies[0]!, { protocol: "v2", tenant: "profiled" });
    expect(after.status).toBe(204);
  });
});
