/**
 * A small client for the Prometheus HTTP API, used against both promflare and
 * real Prometheus so tests and benches compare like with like.
 */

export interface ApiSuccess<T> {
  readonly status: "success";
  readonly data: T;
  readonly warnings?: string[];
  readonly infos?: string[];
}

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: [number, string][];
}

export type QueryData =
  | { readonly resultType: "vector"; readonly result: VectorSample[] }
  | { readonly resultType: "matrix"; readonly result: MatrixSeries[] }
  | { readonly resultType: "scalar" | "string"; readonly result: [number, string] };

/** Thrown for non-2xx answers or `status: "error"` bodies; carries what the server said. */
export class ApiCallError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${httpStatus}: ${body.slice(0, 500)}`);
  }
}

export type ApiParams = Readonly<Record<string, string | readonly string[]>>;

/** GET <base><path>?params and return the `data` of a success envelope. */
export async function apiGet<T>(
  baseUrl: string,
  path: string,
  params: ApiParams = {},
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 60_000,
): Promise<ApiSuccess<T>> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === "string") query.append(name, value);
    else for (const v of value) query.append(name, v);
  }
  const url = `${baseUrl}${path}?${query.toString()}`;
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  if (!res.ok) throw new ApiCallError(res.status, body, `GET ${path}`);
  const parsed = JSON.parse(body) as ApiSuccess<T> | { status: "error"; error: string };
  if (parsed.status !== "success") throw new ApiCallError(res.status, body, `GET ${path}`);
  return parsed;
}

/** The value of a single-sample instant vector query, or undefined when the result is empty. */
export async function queryScalarValue(
  baseUrl: string,
  expr: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  const { data } = await apiGet<QueryData>(baseUrl, "/api/v1/query", { query: expr }, headers);
  if (data.resultType === "scalar") return Number(data.result[1]);
  if (data.resultType !== "vector") throw new Error(`${expr}: expected a vector, got ${data.resultType}`);
  if (data.result.length === 0) return undefined;
  if (data.result.length > 1) throw new Error(`${expr}: expected one sample, got ${data.result.length}`);
  return Number(data.result[0]!.value[1]);
}
