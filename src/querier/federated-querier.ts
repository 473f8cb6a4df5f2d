/**
 * Tenant federation, as in Mimir: a read naming several tenants
 * (`X-Scope-OrgID: a|b|c`) reads each of them and labels every series with
 * `__tenant_id__`. Matchers on `__tenant_id__` choose the tenants and are
 * not passed on. A series that already carries `__tenant_id__` keeps that
 * value as `original___tenant_id__`.
 *
 * A read naming a single tenant is not federated: no label is added, as
 * Mimir bypasses federation for one tenant.
 */
import type { Limits } from "../config/limits";
import { setLabel, getLabel, type Labels } from "../model/labels";
import type { Matcher } from "../model/matchers";
import { relabeled } from "../storage/samples";
import type { LabelHints, Querier, SelectHints, Series } from "../storage/storage";
import { mergeSeriesSets, mergeSortedStrings } from "./merge";

export const TENANT_ID_LABEL = "__tenant_id__";
/** Where a series' own `__tenant_id__` goes (Mimir's "original_" prefix). */
export const ORIGINAL_TENANT_ID_LABEL = "original___tenant_id__";

export interface FederatedTenant {
  readonly id: string;
  readonly querier: Querier;
  /** The tenant querier's warnings; drained into the federated list, prefixed with the tenant. */
  readonly warnings: string[];
}

export class FederatedQuerier implements Querier {
  constructor(
    private readonly tenants: readonly FederatedTenant[],
    readonly warnings: string[] = [],
  ) {}

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<Series[]> {
    const { chosen, rest } = this.route(matchers);
    const sets = await this.each(chosen, async (t) => {
      const series = await t.querier.select(rest, hints);
      return series.map((s) => relabeled(s, withTenantLabel(s.labels, t.id)));
    });
    const merged = mergeSeriesSets(sets);
    const limit = hints.limit ?? 0;
    return limit > 0 && merged.length > limit ? merged.slice(0, limit) : merged;
  }

  async labelNames(matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const { chosen, rest } = this.route(matchers);
    if (chosen.length === 0) return [];
    const lists = await this.each(chosen, async (t) =>
      (await t.querier.labelNames(rest, hints)).map((n) => (n === TENANT_ID_LABEL ? ORIGINAL_TENANT_ID_LABEL : n)),
    );
    return mergeSortedStrings([...lists, [TENANT_ID_LABEL]], hints.limit);
  }

  async labelValues(name: string, matchers: readonly Matcher[], hints: LabelHints): Promise<string[]> {
    const { chosen, rest } = this.route(matchers);
    if (name === TENANT_ID_LABEL) return mergeSortedStrings([chosen.map((t) => t.id)], hints.limit);
    const inner = name === ORIGINAL_TENANT_ID_LABEL ? TENANT_ID_LABEL : name;
    const lists = await this.each(chosen, (t) => t.querier.labelValues(inner, rest, hints));
    return mergeSortedStrings(lists, hints.limit);
  }

  /** The tenants `matchers` select, and the matchers left for each tenant's querier. */
  private route(matchers: readonly Matcher[]): { chosen: FederatedTenant[]; rest: Matcher[] } {
    const onTenant = matchers.filter((m) => m.name === TENANT_ID_LABEL);
    const rest = matchers.filter((m) => m.name !== TENANT_ID_LABEL);
    const chosen = this.tenants.filter((t) => onTenant.every((m) => m.matches(t.id)));
    return { chosen, rest };
  }

  private async each<T>(tenants: readonly FederatedTenant[], call: (t: FederatedTenant) => Promise<T>): Promise<T[]> {
    try {
      return await Promise.all(tenants.map(call));
    } finally {
      for (const t of tenants) {
        for (const w of t.warnings.splice(0)) this.warnings.push(`tenant ${JSON.stringify(t.id)}: ${w}`);
      }
    }
  }
}

/** Adds `__tenant_id__`, moving a series' own value of it to `original___tenant_id__`. */
export function withTenantLabel(labels: Labels, tenant: string): Labels {
  const own = getLabel(labels, TENANT_ID_LABEL);
  const moved = own === "" ? labels : setLabel(labels, ORIGINAL_TENANT_ID_LABEL, own);
  return setLabel(moved, TENANT_ID_LABEL, tenant);
}

/**
 * Why a read naming `tenants` may not be federated, or undefined when it
 * may. Mimir switches federation on for the whole cluster; promflare's
 * `tenant_federation_enabled` is per tenant, and every named tenant must
 * have it, so a tenant is only ever read alongside others if it agreed to
 * (set it in the top-level defaults for Mimir's behaviour).
 */
export async function federationRefusal(
  tenants: readonly string[],
  limitsOf: (tenant: string) => Promise<Pick<Limits, "tenant_federation_enabled">>,
): Promise<string | undefined> {
  if (tenants.length <= 1) return undefined;
  const all = await Promise.all(tenants.map(limitsOf));
  const off = tenants.filter((_, i) => !all[i]!.tenant_federation_enabled);
  if (off.length === 0) return undefined;
  return `multiple org IDs present: tenant federation is not enabled for ${off.map((t) => JSON.stringify(t)).join(", ")}`;
}
