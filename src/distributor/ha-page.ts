/**
 * GET /distributor/ha_tracker: the HA tracker's elections, as Mimir's page
 * of the same path shows them. Elections live in each tenant's Durable
 * Object and there is no registry of tenants, so the page lists the tenants
 * the request names in X-Scope-OrgID (`a|b` for several).
 *
 * HTML by default; JSON with `Accept: application/json` or `?format=json`.
 */
import type { Context } from "hono";
import type { Limits } from "../config/limits";
import { tenantLimits, tenantObject } from "../tenancy/limits";
import type { AppEnv } from "../tenancy/middleware";
import type { TenantId } from "../tenancy/tenant";
import type { HAElection } from "./ha-store";

export interface HATrackerEntry {
  readonly tenant: string;
  readonly cluster: string;
  readonly replica: string;
  /** RFC 3339. */
  readonly electedAt: string;
  readonly receivedAt: string;
  readonly electedChanges: number;
  /** Seconds until another replica may take over if the elected one stays silent (0 = now). */
  readonly secondsUntilFailover: number;
}

export async function haTrackerHandler(c: Context<AppEnv>): Promise<Response> {
  const tenants = c.get("tenants");
  const now = Date.now();
  const perTenant = await Promise.all(
    tenants.map(async (t) => {
      const [elections, limits] = await Promise.all([tenantObject(c.env, t).haElections(), tenantLimits(c.env, t)]);
      return haTrackerEntries(t, elections, limits, now);
    }),
  );
  const entries = perTenant.flat();
  if (wantsJson(c)) return c.json({ entries });
  return c.html(renderPage(entries, now));
}

export function haTrackerEntries(
  tenant: TenantId,
  elections: readonly HAElection[],
  limits: Pick<Limits, "ha_tracker_failover_timeout">,
  now: number,
): HATrackerEntry[] {
  return elections.map(({ cluster, desc }) => ({
    tenant,
    cluster,
    replica: desc.replica,
    electedAt: new Date(desc.electedAt).toISOString(),
    receivedAt: new Date(desc.receivedAt).toISOString(),
    electedChanges: desc.electedChanges,
    secondsUntilFailover: Math.max(0, (desc.receivedAt + limits.ha_tracker_failover_timeout - now) / 1000),
  }));
}

function wantsJson(c: Context<AppEnv>): boolean {
  if (c.req.query("format") === "json") return true;
  return (c.req.header("Accept") ?? "").includes("application/json");
}

function renderPage(entries: readonly HATrackerEntry[], now: number): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${esc(e.tenant)}</td><td>${esc(e.cluster)}</td><td>${esc(e.replica)}</td>` +
        `<td>${e.electedAt}</td><td>${e.receivedAt}</td><td>${e.electedChanges}</td>` +
        `<td>${e.secondsUntilFailover.toFixed(1)}s</td></tr>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>HA tracker status</title></head>
<body>
<h1>HA tracker status</h1>
<p>Current time: ${new Date(now).toISOString()}</p>
<table border="1" cellpadding="4">
<thead><tr><th>Tenant</th><th>Cluster</th><th>Replica</th><th>Elected at</th><th>Last push recorded</th><th>Changes</th><th>Failover possible in</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">no elections for the tenants in X-Scope-OrgID</td></tr>'}
</tbody>
</table>
</body>
</html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
