/**
 * The Prometheus API's JSON envelope and its error types.
 */
export type ErrorType = "bad_data" | "execution" | "timeout" | "canceled" | "internal" | "unavailable" | "not_found";

const STATUS: Record<ErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 503,
  internal: 500,
  unavailable: 503,
  not_found: 404,
};

export class ApiError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.type];
  }
  static badData(message: string): ApiError {
    return new ApiError("bad_data", message);
  }
}

export interface Annotated {
  readonly warnings?: readonly string[];
  readonly infos?: readonly string[];
}

export function success(data: unknown, notes: Annotated = {}): Response {
  const body: Record<string, unknown> = { status: "success", data };
  if (notes.warnings && notes.warnings.length > 0) body.warnings = notes.warnings;
  if (notes.infos && notes.infos.length > 0) body.infos = notes.infos;
  return Response.json(body);
}

/** `success` for a `data` already written as JSON text. */
export function successJson(dataJson: string, notes: Annotated = {}): Response {
  let body = `{"status":"success","data":${dataJson}`;
  if (notes.warnings && notes.warnings.length > 0) body += `,"warnings":${JSON.stringify(notes.warnings)}`;
  if (notes.infos && notes.infos.length > 0) body += `,"infos":${JSON.stringify(notes.infos)}`;
  return new Response(`${body}}`, { headers: { "content-type": "application/json" } });
}

export function failure(err: ApiError): Response {
  return Response.json({ status: "error", errorType: err.type, error: err.message }, { status: err.status });
}

/** Prometheus writes sample values as strings: "NaN", "+Inf", "-Inf". */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  // Go keeps the sign of a negative zero; String(-0) drops it.
  if (Object.is(v, -0)) return "-0";
  return formatFloat(v);
}

/**
 * Go's strconv.FormatFloat(v, 'f', -1, 64) for finite numbers: the shortest
 * representation that round-trips, never in exponent form.
 */
function formatFloat(v: number): string {
  const s = String(v);
  // String() writes an exponent as a lowercase "e".
  if (s.indexOf("e") === -1) return s;
  const [mant, expStr] = s.toLowerCase().split("e") as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const pointAt = (mant.replace("-", "").indexOf(".") === -1 ? mant.replace("-", "").length : mant.replace("-", "").indexOf(".")) + exp;
  let out: string;
  if (pointAt <= 0) out = "0." + "0".repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + "." + digits.slice(pointAt);
  return neg ? "-" + out : out;
}

/** Output timestamps are Unix seconds as JSON numbers, with ms precision. */
export function formatTimestamp(ms: number): number {
  return ms / 1000;
}

/**
 * Cuts a result at the `limit` parameter (0 = none); Prometheus says so with
 * a warning.
 */
export function applyLimit<T>(items: readonly T[], limit: number, warnings: string[]): readonly T[] {
  if (limit <= 0 || items.length <= limit) return items;
  warnings.push("results truncated due to limit");
  return items.slice(0, limit);
}
