/** Helpers for tests that drive the Worker through its HTTP surface. */
import { env, SELF } from "cloudflare:test";
import { labelsFromRecord } from "../../src/model/labels";
import { encodeSnappy } from "../../src/write/snappy";
import { encodeWriteRequestV1, encodeWriteRequestV2, type SeriesInput, type WriteInput } from "../../src/write/encode";
import { CONTENT_TYPE_V2 } from "../../src/write/content-type";

export const BASE = "http://promflare.test";

export function series(
  labels: Record<string, string>,
  samples: [number, number][],
  extra: Partial<SeriesInput> = {},
): SeriesInput {
  return {
    labels: labelsFromRecord(labels),
    samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
    ...extra,
  };
}

export async function push(
  tenant: string | null,
  input: WriteInput,
  opts: { v2?: boolean; path?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const raw = opts.v2 ? encodeWriteRequestV2(input) : encodeWriteRequestV1(input);
  return pushRaw(tenant, encodeSnappy(raw), {
    "Content-Type": opts.v2 ? CONTENT_TYPE_V2 : "application/x-protobuf",
    ...opts.headers,
  }, opts.path);
}

export async function pushRaw(
  tenant: string | null,
  body: Uint8Array,
  headers: Record<string, string> = {},
  path = "/api/v1/push",
): Promise<Response> {
  const h: Record<string, string> = { "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", ...headers };
  if (tenant !== null) h["X-Scope-OrgID"] = tenant;
  return SELF.fetch(BASE + path, { method: "POST", body, headers: h });
}

export async function api<T = unknown>(
  tenant: string | null,
  path: string,
  params: Record<string, string | string[]> = {},
): Promise<{ status: number; body: { status: string; data: T; error?: string; errorType?: string; warnings?: string[] } }> {
  const url = new URL(BASE + path);
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) url.searchParams.append(k, x);
  const headers: Record<string, string> = {};
  if (tenant !== null) headers["X-Scope-OrgID"] = tenant;
  const res = await SELF.fetch(url.toString(), { headers });
  return { status: res.status, body: await res.json() };
}

export function written(res: Response): { samples: number; histograms: number; exemplars: number } {
  return {
    samples: Number(res.headers.get("X-Prometheus-Remote-Write-Samples-Written")),
    histograms: Number(res.headers.get("X-Prometheus-Remote-Write-Histograms-Written")),
    exemplars: Number(res.headers.get("X-Prometheus-Remote-Write-Exemplars-Written")),
  };
}

/**
 * Sets a tenant's overrides (as the admin API takes them: durations are
 * strings or seconds) directly in its Durable Object. Call it before the
 * tenant sees any traffic: isolates cache limits for a few seconds.
 */
export async function configureTenant(tenant: string, overrides: Record<string, unknown>): Promise<void> {
  const res = await env.TENANT.get(env.TENANT.idFromName(tenant)).setOverrides(overrides);
  if (!res.ok) throw new Error(`configuring ${tenant}: ${res.error}`);
}
